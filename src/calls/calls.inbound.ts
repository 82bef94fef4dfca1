import { recordAudit } from '../audit/audit.service';
import { parseE164 } from '../carrier/e164';
import { CallScreening, InboundCallScreening } from '../generated/prisma/enums';
import { Prisma } from '../generated/prisma/client';
import { Actor, requireScope, systemActor } from '../platform/auth/scopes';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { CallLegEvent } from './carrier-port';
import { CALL_SELECT, CallView, recordCallEvent } from './calls.events';
import { Applied, applyInOrder, moveCall, statusOf } from './calls.progress';
import { requireCallCarrier } from './calls.service';
import { findDestinationRate } from './rates.service';

// Inbound calls. The carrier announces a call to one of its numbers (call.incoming); when the number is an
// active DID of an active tenant, the call is recorded (direction inbound) and rings there — call.initiated then
// call.ringing, each an event and a callStatusChanged — until the tenant answers or rejects it (calls.answer.ts),
// the caller gives up, or the carrier's ring timeout ends it no_answer. The number's inbound_call_screening
// applies first: flag_calls marks a caller who failed the carrier's reputation check (screening: flagged),
// reject_calls refuses it (recorded, ended busy by the system, never ringing). A call to a number nobody has is
// refused upstream and recorded nowhere.

export interface SimulateInboundCallInput {
  from: string;
  to: string;
  ringTimeoutSecs?: number | null;
  talkSecs?: number | null;
}

/** What the number's screening setting makes of a caller (null: the number does not screen). */
export function screeningOf(setting: InboundCallScreening, suspicious: boolean): CallScreening | null {
  if (setting === 'disabled') return null;
  if (!suspicious) return 'passed';
  return setting === 'flag_calls' ? 'flagged' : 'rejected';
}

export async function receiveInboundCall(deps: ServiceDeps, event: CallLegEvent): Promise<Applied> {
  const incoming = event.inbound;
  if (!incoming) return 'ignored';
  const carrier = requireCallCarrier(deps);
  const did = await deps.db.phoneNumber.findFirst({
    where: { e164: incoming.to, status: 'active', tenant: { status: 'active' } },
    select: { id: true, tenantId: true, countryCode: true, connectionId: true, inboundCallScreening: true },
  });
  if (!did) {
    // Nobody here answers for that number: refused upstream, and there is no tenant to show it to.
    await carrier.reject(event.upstreamCallId, 'unallocated_number');
    return 'ignored';
  }
  try {
    return await inTransaction(deps.db, async (tx) => {
      if (await tx.call.findUnique({ where: { id: event.callRef }, select: { id: true } })) return 'ignored';
      const call = await recordIncoming(tx, deps, event, did);
      if (call.screening !== 'rejected') {
        await moveCall(tx, deps, call, 'ringing', event.at);
        return 'applied';
      }
      // Refused by the number's screening: the carrier is told last; its hangup event then changes nothing.
      const hangup = await carrier.reject(event.upstreamCallId, 'call_rejected');
      await moveCall(tx, deps, call, statusOf(hangup), hangup.at, { hangupCause: 'call_rejected', hangupSource: 'system' });
      return 'applied';
    });
  } catch (err) {
    // Another instance recorded the same call first.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return 'ignored';
    throw err;
  }
}

type Did = { id: string; tenantId: string; countryCode: string; connectionId: string | null; inboundCallScreening: InboundCallScreening };

/** The call row as the carrier announced it (initiated), its transition, call.initiated, its audit row and publish. */
async function recordIncoming(tx: Prisma.TransactionClient, deps: ServiceDeps, event: CallLegEvent, did: Did): Promise<CallView> {
  const incoming = event.inbound!;
  // The rate shown while it rings; the one the call is charged at is read again when it is answered.
  const rate = await findDestinationRate(tx, did.countryCode, incoming.to);
  const connectionId = did.connectionId ?? (await tx.connection.findFirst({ where: { tenantId: did.tenantId, isDefault: true }, select: { id: true } }))?.id ?? null;
  const at = event.at;
  const call = await tx.call.create({
    data: {
      id: event.callRef,
      tenantId: did.tenantId,
      direction: 'inbound',
      fromNumber: incoming.from,
      toNumber: incoming.to,
      phoneNumberId: did.id,
      connectionId,
      destinationCountry: did.countryCode,
      ratePrefix: rate?.prefix ?? '',
      carrierCostPerMinuteMillicents: rate?.carrierCostPerMinuteMillicents ?? 0,
      status: 'initiated',
      timeoutSecs: incoming.ringTimeoutSecs,
      upstreamCallId: event.upstreamCallId,
      // The leg is in this instance's carrier: only it can ask about it (calls.ownership.ts).
      carrierInstanceId: deps.carrierInstance?.id ?? null,
      screening: screeningOf(did.inboundCallScreening, incoming.suspicious),
      queuedAt: at,
      initiatedAt: at,
      createdAt: deps.clock.now(),
    },
    select: CALL_SELECT,
  });
  const recorded = await recordCallEvent(tx, call, at);
  await tx.callTransition.create({ data: { callId: call.id, fromStatus: null, toStatus: 'initiated', eventId: recorded.id, occurredAt: at } });
  await recordAudit(tx, systemActor(did.tenantId, `call:${call.id}`), {
    action: 'call.received',
    resourceType: 'call',
    resourceId: call.id,
    after: { from: call.fromNumber, to: call.toNumber, phone_number_id: did.id, screening: call.screening },
  });
  afterCommit(tx, () =>
    deps.pubSub.publish('CALL_STATUS_CHANGED', call.tenantId, {
      tenantId: call.tenantId, callId: call.id, status: 'initiated', eventId: recorded.id, eventType: recorded.type, sequence: recorded.sequence, occurredAt: at.toISOString(),
      committedAt: new Date().toISOString(),
    }),
  );
  return call;
}

/**
 * Test mode: the simulated carrier plays a caller ringing one of the tenant's active numbers, and the call is
 * answered once it is recorded (ringing, or ended at once by the number's screening).
 */
export async function simulateInboundCall(deps: ServiceDeps, actor: Actor, input: SimulateInboundCallInput): Promise<CallView> {
  requireScope(actor, 'calls:write');
  const from = parseE164(input.from);
  if (!from) throw invalidRequest(`from must be an E.164 number, got ${JSON.stringify(input.from)}`, 'from');
  const to = parseE164(input.to);
  if (!to) throw invalidRequest(`to must be an E.164 number, got ${JSON.stringify(input.to)}`, 'to');
  for (const [field, value, max] of [['ring_timeout_secs', input.ringTimeoutSecs, 600], ['talk_secs', input.talkSecs, 86_400]] as const) {
    if (value != null && (!Number.isInteger(value) || value < 1 || value > max)) throw invalidRequest(`${field} must be a whole number between 1 and ${max}`, field);
  }
  const did = await deps.db.phoneNumber.findFirst({ where: { tenantId: actor.tenantId, e164: to.e164, status: 'active' }, select: { id: true } });
  if (!did) throw new ApiError('number_not_found', `${to.e164} is not an active number of this account`);
  const carrier = requireCallCarrier(deps);
  if (!carrier.simulateInbound) throw new ApiError('not_found', 'Inbound calls can only be simulated against the carrier simulator');
  const incoming = await carrier.simulateInbound({ from: from.e164, to: to.e164, ringTimeoutSecs: input.ringTimeoutSecs ?? undefined, talkSeconds: input.talkSecs ?? undefined });
  // Queued behind the carrier's own delivery of the same event, so this waits for the call to be recorded.
  await applyInOrder(deps, incoming);
  await inTransaction(deps.db, (tx) =>
    recordAudit(tx, actor, { action: 'call.inbound_simulated', resourceType: 'call', resourceId: incoming.callRef, after: { from: from.e164, to: to.e164 } }),
  );
  const call = await deps.db.call.findFirst({ where: { id: incoming.callRef, tenantId: actor.tenantId }, select: CALL_SELECT });
  if (!call) throw new ApiError('upstream_error', 'The carrier rang the number but the call could not be recorded; retry');
  return call;
}
