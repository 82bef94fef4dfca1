import { debit } from '../billing/ledger.service';
import { Prisma } from '../generated/prisma/client';
import { ServiceDeps, withDb } from '../platform/service-deps';

// One-off fees of billable call features (voepy-billing.txt: "trigger another billable action like gather,
// streaming, transcription, AMD"), debited as an `action_fee` ledger entry when the feature starts. The spec
// gives no prices; these are the gateway's customer prices in cents, all in this one table. Answering-machine
// detection is debited at the answer, by the state machine (calls.progress.ts), the others when they start.
// Conferences have no fee here on purpose: each participant is a call, already rated per second.
export const ACTION_FEE_CENTS = {
  answering_machine_detection: 1n,
  gather: 1n,
  streaming: 2n,
  transcription: 3n,
} as const;

export type BillableAction = keyof typeof ACTION_FEE_CENTS;

/**
 * Debits the fee of `action` in the caller's transaction (402 balance_insufficient, or auto_recharge_failed, when
 * it can't be covered: the transaction, and so the start, is undone). `startId` names this one start: the dedupe
 * key makes a second debit for it impossible, whatever retries happen.
 */
export async function chargeActionFee(tx: Prisma.TransactionClient, deps: ServiceDeps, m: { tenantId: string; callId: string; action: BillableAction; startId: string }): Promise<{ ledgerEntryId: string; feeCents: bigint }> {
  const feeCents = ACTION_FEE_CENTS[m.action];
  const entry = await debit(withDb(deps, tx), {
    tenantId: m.tenantId,
    kind: 'action_fee',
    amountCents: feeCents,
    description: `${m.action.replace(/_/g, ' ')} on call ${m.callId}`,
    reference: { type: 'call', id: m.callId },
    dedupeKey: `action_fee:${m.action}:${m.startId}`,
  });
  return { ledgerEntryId: entry.id, feeCents };
}
