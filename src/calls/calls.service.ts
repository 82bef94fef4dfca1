import { randomUUID } from 'node:crypto';
import { insufficientFunds } from '../billing/ledger.service';
import { AnsweringMachineDetection } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { startOfUtcDay } from '../platform/clock';
import { PREPARED } from '../platform/db/prepared';
import { rowsOf } from '../platform/db/sql';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { requestHash } from '../platform/idempotency';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { CallCarrier } from './carrier-port';
import {
  checkCountry,
  checkFrom,
  checkPrefix,
  concurrentCallCapExceeded,
  dailySpendCapExceeded,
  parseNumber,
  priceAt,
} from './calls.checks';
import { placementFacts } from './calls.placement-facts';
import { CALL_SELECT, CallView, isTerminal, TERMINAL } from './calls.events';
import { CALL_COLUMNS as CALL_VIEW } from './calls.queries';
import { reserveAndRecordCall } from './calls.placement';
import { lockCall, moveCall } from './calls.progress';
import { noPricing } from './rates.service';

// Placing a call: the checks that need no lock (number, country, prefix, price) in the promised order
// (calls.checks.ts); then one statement, under the tenant's placement lock, freezes the hold, checks the caps and
// writes the call (calls.placement.ts); the carrier dials after that has committed. A failure at any check leaves
// nothing dialled and nothing charged.
//
// Idempotency: the request's key is stored on the call, in that statement. A retry, or a twin sent at the same
// time, finds the call and dials nothing, so the placement need not share the request's transaction: it commits
// (and lets go of the lock) before the dial, even inside an idempotent request (platform/idempotency.ts).

export interface PlaceCallInput {
  from: string;
  to: string;
  connectionId?: string | null;
  timeoutSecs?: number | null;
  answeringMachineDetection?: AnsweringMachineDetection | null;
  record?: boolean | null;
}

export const DEFAULT_TIMEOUT_SECS = 30;

export function requireCallCarrier(deps: ServiceDeps): CallCarrier {
  if (!deps.callCarrier) throw new Error('the carrier is not configured for calls in this context');
  return deps.callCarrier;
}

export async function placeCall(deps: ServiceDeps & { idempotencyKey?: string }, actor: Actor, input: PlaceCallInput): Promise<CallView> {
  requireScope(actor, 'calls:write');
  const from = parseNumber(input.from, 'from');
  const to = parseNumber(input.to, 'to');
  const timeoutSecs = input.timeoutSecs ?? DEFAULT_TIMEOUT_SECS;
  if (!Number.isInteger(timeoutSecs) || timeoutSecs < 5 || timeoutSecs > 600) throw invalidRequest('timeout_secs must be a whole number between 5 and 600', 'timeout_secs');
  const carrier = requireCallCarrier(deps);
  const tenantId = actor.tenantId;
  const answeringMachineDetection = input.answeringMachineDetection ?? 'disabled';
  const record = input.record ?? false;

  // What the checks need, read at once (one statement); failures are still reported in the promised order.
  const facts = await placementFacts(deps.db, tenantId, from.e164, to, input.connectionId);
  const { quota, rate } = facts;
  const did = checkFrom(quota, from.e164, facts.ownDid);
  checkCountry(quota, to);
  checkPrefix(quota, to);
  if (!rate) throw noPricing(to.countryCode, to.e164);
  if (facts.askedConnectionId === null) throw new ApiError('not_found', 'Connection not found');
  const connectionId = facts.askedConnectionId ?? did?.connectionId ?? facts.defaultConnectionId ?? null;
  const price = priceAt(deps, rate, facts.markupBps);

  const callId = randomUUID();
  const key = deps.idempotencyKey;
  const outcome = await reserveAndRecordCall(deps.db, {
    tenantId,
    callId,
    holdCents: price.holdCents,
    holdDescription: `Call to ${to.e164} (estimate)`,
    dailySpendCapCents: quota.dailySpendCapCents,
    concurrentCallCap: quota.concurrentCallCap,
    dayStart: startOfUtcDay(deps.clock.now()),
    idempotency: key ? { key, since: new Date(deps.clock.now().getTime() - (deps.idempotencyTtlHours ?? 24) * 3_600_000), fingerprint: requestHash({ from: from.e164, to: to.e164, connectionId: input.connectionId ?? null, timeoutSecs, answeringMachineDetection, record }) } : null,
    call: {
      from: from.e164,
      to: to.e164,
      phoneNumberId: did?.id ?? null,
      connectionId,
      destinationCountry: to.countryCode,
      ratePrefix: rate.prefix,
      carrierCostPerMinuteMillicents: rate.carrierCostPerMinuteMillicents,
      timeoutSecs,
      answeringMachineDetection,
      record,
      queuedAt: deps.clock.now(),
      carrierInstanceId: deps.carrierInstance?.id ?? null,
    },
    actor,
    auditAfter: { from: from.e164, to: to.e164, connection_id: connectionId, hold_cents: price.holdCents, price_per_minute_cents: price.pricePerMinuteCents },
  });
  switch (outcome.verdict) {
    case 'existing':
      // The call an earlier request with this key placed: its dial is that request's, never repeated here.
      return (await deps.db.call.findUniqueOrThrow({ where: { id: outcome.callId! }, select: CALL_SELECT })) as CallView;
    case 'key_reused':
      throw new ApiError('idempotency_conflict', 'This Idempotency-Key was already used for a different request; use a new key');
    case 'balance_insufficient':
      throw await insufficientFunds(deps.db, tenantId, price.holdCents, 'balance_insufficient');
    case 'daily_spend_cap_exceeded':
      throw dailySpendCapExceeded(quota, outcome.spentTodayCents!, outcome.heldForCallsCents!);
    case 'concurrent_call_cap_exceeded':
      throw concurrentCallCapExceeded(quota, outcome.inFlight!);
    case 'placed':
      return dial(deps, carrier, callId, { from: from.e164, to: to.e164, timeoutSecs, answeringMachineDetection });
  }
}

/**
 * Once the placement has committed, the carrier dials (no lock is held meanwhile). A failed dial ends the call as failed, its hold
 * released, and frees its idempotency key, so the client's retry of the 502 places the call anew.
 */
async function dial(deps: ServiceDeps, carrier: CallCarrier, callId: string, leg: { from: string; to: string; timeoutSecs: number; answeringMachineDetection: AnsweringMachineDetection }): Promise<CallView> {
  let upstreamCallId: string;
  try {
    ({ upstreamCallId } = await carrier.dial({ callRef: callId, ...leg }));
  } catch (err) {
    // Nothing rang: the call ends as failed and its hold is released (inside an idempotent request's transaction,
    // the whole transaction rolls back instead, which leaves nothing at all).
    await endWithoutCarrier(deps, callId, 'failed', { hangupCause: 'upstream_error', hangupSource: 'carrier' });
    await deps.db.call.updateMany({ where: { id: callId }, data: { idempotencyKey: null } });
    throw err;
  }
  // The leg's id is stored and the call read back in one statement: it is what the request answers.
  const [current] = await rowsOf<Record<string, unknown>>(deps.db, DIALLED_SQL, [upstreamCallId, callId, TERMINAL]);
  const ended = current?.ended === true;
  if (current) delete current.ended;
  // Hung up while the dial was on its way (the call ended without a leg): the leg that just started must not ring on.
  if (ended) await carrier.hangup(upstreamCallId).catch(() => undefined);
  if (!current) return deps.db.call.findUniqueOrThrow({ where: { id: callId }, select: CALL_SELECT });
  return CALL_VIEW.map(current);
}

const DIALLED_SQL = `${PREPARED}
  UPDATE calls SET upstream_call_id = $1 WHERE id = $2::uuid AND upstream_call_id IS NULL
  RETURNING ${CALL_VIEW.list('calls')}, status = ANY($3::call_status[]) AND answered_at IS NULL AS ended`;

/** Ends a call the carrier has no leg for (never dialled, or lost), settling its hold; null when it had already ended. */
export async function endWithoutCarrier(deps: ServiceDeps, callId: string, status: 'failed' | 'canceled' | 'completed', ending: { hangupCause: string; hangupSource: string }, at?: Date): Promise<CallView | null> {
  return inTransaction(deps.db, async (tx) => {
    const call = await lockCall(tx, callId);
    if (!call || isTerminal(call.status)) return null;
    return moveCall(tx, withDb(deps, tx), call, status, at ?? deps.clock.now(), ending);
  });
}

export async function getCall(deps: ServiceDeps, actor: Actor, id: string): Promise<CallView> {
  requireScope(actor, 'calls:read');
  const found = isUuid(id) ? await deps.db.call.findFirst({ where: { id, tenantId: actor.tenantId }, select: CALL_SELECT }) : null;
  if (!found) throw new ApiError('not_found', 'Call not found');
  return found;
}

