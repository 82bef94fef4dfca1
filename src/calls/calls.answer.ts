import { recordAudit } from '../audit/audit.service';
import { freeze } from '../billing/holds.service';
import { parseE164 } from '../carrier/e164';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { withDb } from '../platform/service-deps';
import type { CallActionContext } from './calls.actions';
import { lockForAction } from './calls.control';
import { CALL_SELECT, CallView } from './calls.events';
import { priceOfCall } from './calls.checks';
import { moveCall, statusOf } from './calls.progress';
import { requireCallCarrier } from './calls.service';
import { findDestinationRate, noPricing } from './rates.service';

// answer and reject: the tenant's side of a ringing inbound call. Each runs under the call's row lock (two answers
// racing: the first answers, the second finds the call answered), makes its change, and tells the carrier last
// inside the same transaction, so a carrier that refuses (the caller hung up meanwhile: call_already_ended)
// leaves nothing changed.
//
// Answering prices the call now: the destination rate of the number called (the longest prefix of the DID among
// the rates of its country, the same table outbound calls use), times the tenant's markup, and freezes the same
// estimate an outbound call holds. Without the balance for it the answer is 402 balance_insufficient and the call
// keeps ringing. At hangup it is rated and settled like an outbound call.

export const REJECT_CAUSES = ['call_rejected', 'user_busy'] as const;

function requireInbound(call: Pick<CallView, 'direction'>, action: string): void {
  if (call.direction !== 'inbound') throw new ApiError('call_not_in_required_state', `${action} needs an inbound call; this call is outbound`);
}

export async function answer({ deps, actor, call }: CallActionContext): Promise<CallView> {
  requireInbound(call, 'answer');
  const did = parseE164(call.toNumber);
  if (!did) throw new Error(`inbound call ${call.id} was recorded for a number that is not E.164`);
  return inTransaction(deps.db, async (tx) => {
    const txDeps = withDb(deps, tx);
    const locked = await lockForAction(tx, call.id, 'answer', ['ringing']);
    const rate = await findDestinationRate(tx, did.countryCode, did.e164);
    if (!rate) throw noPricing(did.countryCode, did.e164);
    const price = await priceOfCall(txDeps, locked.tenantId, rate);
    const hold = await freeze(txDeps, { tenantId: locked.tenantId, transactionId: `call:${call.id}`, amountCents: price.holdCents, description: `Inbound call from ${locked.fromNumber} to ${did.e164} (estimate)` });
    const priced = await tx.call.update({
      where: { id: call.id },
      data: { holdId: hold.id, ratePrefix: rate.prefix, carrierCostPerMinuteMillicents: rate.carrierCostPerMinuteMillicents },
      select: CALL_SELECT,
    });
    await recordAudit(tx, actor, {
      action: 'call.answer_requested',
      resourceType: 'call',
      resourceId: call.id,
      before: { status: locked.status },
      after: { hold_cents: price.holdCents, price_per_minute_cents: price.pricePerMinuteCents },
    });
    if (!locked.upstreamCallId) throw new ApiError('call_not_in_required_state', 'The call has no carrier leg');
    const answered = await requireCallCarrier(deps).answer(locked.upstreamCallId);
    // Stamped with the carrier's answer time: rating counts from the moment the leg was picked up.
    return moveCall(tx, deps, priced, 'answered', answered.at);
  });
}

export async function reject({ deps, actor, call, params }: CallActionContext): Promise<CallView> {
  const cause = params.cause ?? 'call_rejected';
  if (typeof cause !== 'string' || !(REJECT_CAUSES as readonly string[]).includes(cause)) throw invalidRequest(`cause must be one of ${REJECT_CAUSES.join(', ')}`, 'cause');
  requireInbound(call, 'reject');
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockForAction(tx, call.id, 'reject', ['ringing']);
    await recordAudit(tx, actor, { action: 'call.reject_requested', resourceType: 'call', resourceId: call.id, before: { status: locked.status }, after: { cause } });
    if (!locked.upstreamCallId) throw new ApiError('call_not_in_required_state', 'The call has no carrier leg');
    const hangup = await requireCallCarrier(deps).reject(locked.upstreamCallId, cause as (typeof REJECT_CAUSES)[number]);
    return moveCall(tx, deps, locked, statusOf(hangup), hangup.at, { hangupCause: cause, hangupSource: 'callee' });
  });
}
