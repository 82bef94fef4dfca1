import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { freeze } from '../billing/holds.service';
import { AnsweringMachineDetection } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { CallCarrier } from './carrier-port';
import {
  checkConcurrency,
  checkCountry,
  checkDailySpend,
  checkFrom,
  checkPrefix,
  checkPricing,
  heldForCalls,
  inFlightCount,
  parseNumber,
  priceOfCall,
  quotaOf,
} from './calls.checks';
import { CALL_SELECT, CallView, isTerminal } from './calls.events';
import { lockCall, moveCall } from './calls.progress';

// Placing a call: every check in the promised order (calls.checks.ts), then — under a per-tenant lock held
// only for one short transaction — the hold is frozen, the caps are checked and the call row is written; the
// carrier is dialled after that commits. A failure at any check leaves nothing dialled and nothing charged.

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

export async function placeCall(deps: ServiceDeps, actor: Actor, input: PlaceCallInput): Promise<CallView> {
  requireScope(actor, 'calls:write');
  const from = parseNumber(input.from, 'from');
  const to = parseNumber(input.to, 'to');
  const timeoutSecs = input.timeoutSecs ?? DEFAULT_TIMEOUT_SECS;
  if (!Number.isInteger(timeoutSecs) || timeoutSecs < 5 || timeoutSecs > 600) throw invalidRequest('timeout_secs must be a whole number between 5 and 600', 'timeout_secs');
  const carrier = requireCallCarrier(deps);
  const tenantId = actor.tenantId;

  const quota = await quotaOf(deps.db, tenantId);
  const did = await checkFrom(deps.db, tenantId, from.e164, quota);
  checkCountry(quota, to);
  checkPrefix(quota, to);
  const rate = await checkPricing(deps.db, to);
  const connectionId = await connectionFor(deps, tenantId, input.connectionId, did?.connectionId ?? null);
  const price = await priceOfCall(deps, tenantId, rate);

  const callId = randomUUID();
  // Inside an idempotent request this is the request's transaction, so the lock (and the call row) last until it
  // commits, after the dial: a retry can then never dial twice, at the cost of serialising that tenant's
  // idempotent placements for one carrier round trip.
  const placed = await inTransaction(deps.db, async (tx) => {
    const txDeps = withDb(deps, tx);
    // Serialises placements of one tenant, so "count, then insert" holds the caps under concurrency. Only
    // placements wait on it: debits and hangups of the tenant don't take it.
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`calls:${tenantId}`}, 0))::text`;
    const hold = await freeze(txDeps, { tenantId, transactionId: `call:${callId}`, amountCents: price.holdCents, description: `Call to ${to.e164} (estimate)` });
    await checkDailySpend(txDeps, tenantId, quota, await heldForCalls(tx, tenantId));
    checkConcurrency(quota, await inFlightCount(tx, tenantId));
    const now = deps.clock.now();
    const call = await tx.call.create({
      data: {
        id: callId,
        tenantId,
        fromNumber: from.e164,
        toNumber: to.e164,
        phoneNumberId: did?.id ?? null,
        connectionId,
        destinationCountry: to.countryCode,
        ratePrefix: rate.prefix,
        carrierCostPerMinuteMillicents: rate.carrierCostPerMinuteMillicents,
        timeoutSecs,
        answeringMachineDetection: input.answeringMachineDetection ?? 'disabled',
        record: input.record ?? false,
        queuedAt: now,
        createdAt: now,
        holdId: hold.id,
        carrierInstanceId: deps.carrierInstance?.id ?? null,
      },
      select: CALL_SELECT,
    });
    await tx.callTransition.create({ data: { callId, fromStatus: null, toStatus: 'queued', occurredAt: now } });
    await recordAudit(tx, actor, {
      action: 'call.placed',
      resourceType: 'call',
      resourceId: callId,
      after: { from: from.e164, to: to.e164, connection_id: connectionId, hold_cents: price.holdCents, price_per_minute_cents: price.pricePerMinuteCents },
    });
    return call;
  });

  let upstreamCallId: string;
  try {
    ({ upstreamCallId } = await carrier.dial({ callRef: callId, from: from.e164, to: to.e164, timeoutSecs, answeringMachineDetection: placed.answeringMachineDetection }));
  } catch (err) {
    // Nothing rang: the call ends as failed and its hold is released (inside an idempotent request, the whole
    // transaction rolls back instead, which leaves nothing at all).
    await endWithoutCarrier(deps, callId, 'failed', { hangupCause: 'upstream_error', hangupSource: 'carrier' });
    throw err;
  }
  await deps.db.call.updateMany({ where: { id: callId, upstreamCallId: null }, data: { upstreamCallId } });
  const current = (await deps.db.call.findUnique({ where: { id: callId }, select: CALL_SELECT })) ?? { ...placed, upstreamCallId };
  // Hung up while the dial was on its way (the call ended without a leg): the leg that just started must not ring on.
  if (isTerminal(current.status) && !current.answeredAt) await carrier.hangup(upstreamCallId).catch(() => undefined);
  return current;
}

/** Ends a call the carrier has no leg for (never dialled, or lost), settling its hold; null when it had already ended. */
export async function endWithoutCarrier(deps: ServiceDeps, callId: string, status: 'failed' | 'canceled' | 'completed', ending: { hangupCause: string; hangupSource: string }, at?: Date): Promise<CallView | null> {
  return inTransaction(deps.db, async (tx) => {
    const call = await lockCall(tx, callId);
    if (!call || isTerminal(call.status)) return null;
    return moveCall(tx, withDb(deps, tx), call, status, at ?? deps.clock.now(), ending);
  });
}

/** The connection a call runs on: the one asked for (the tenant's own), else the DID's, else the default. */
async function connectionFor(deps: ServiceDeps, tenantId: string, asked: string | null | undefined, ofDid: string | null): Promise<string | null> {
  if (asked) {
    const own = isUuid(asked) ? await deps.db.connection.findFirst({ where: { id: asked, tenantId }, select: { id: true } }) : null;
    if (!own) throw new ApiError('not_found', 'Connection not found');
    return own.id;
  }
  if (ofDid) return ofDid;
  const fallback = await deps.db.connection.findFirst({ where: { tenantId, isDefault: true }, select: { id: true } });
  return fallback?.id ?? null;
}

export async function getCall(deps: ServiceDeps, actor: Actor, id: string): Promise<CallView> {
  requireScope(actor, 'calls:read');
  const found = isUuid(id) ? await deps.db.call.findFirst({ where: { id, tenantId: actor.tenantId }, select: CALL_SELECT }) : null;
  if (!found) throw new ApiError('not_found', 'Call not found');
  return found;
}

