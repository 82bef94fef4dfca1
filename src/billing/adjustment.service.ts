import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { invalidRequest } from '../platform/errors';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { credit, debit, PostedEntry } from './ledger.service';

/** Support's manual correction of a balance (credit or debit), always with a reason, always audited. */
export async function adjustBalance(deps: ServiceDeps, actor: Actor, amountCents: bigint, reason: string): Promise<PostedEntry> {
  requireScope(actor, 'admin');
  if (amountCents === 0n) throw invalidRequest('an adjustment must not be zero', 'amount_cents');
  if (!reason.trim()) throw invalidRequest('an adjustment needs a reason', 'reason');
  return inTransaction(deps.db, async (tx) => {
    const txDeps = withDb(deps, tx);
    const movement = { tenantId: actor.tenantId, kind: 'adjustment' as const, amountCents: amountCents < 0n ? -amountCents : amountCents, description: reason.trim() };
    // A correction may take the balance below the credit limit: support decides, not the availability rule.
    const entry = amountCents > 0n ? await credit(txDeps, movement) : await debit(txDeps, movement, { force: true });
    await recordAudit(tx, actor, {
      action: 'balance.adjusted',
      resourceType: 'ledger_entry',
      resourceId: entry.id,
      after: { amount_cents: amountCents, reason: reason.trim(), balance_after_cents: entry.balanceAfterCents },
    });
    return entry;
  });
}
