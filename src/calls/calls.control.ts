import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { Prisma } from '../generated/prisma/client';
import { CallStatus } from '../generated/prisma/enums';
import { Actor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps } from '../platform/service-deps';
import { CallCommand } from './carrier-port';
import { recordControlEvent, recordingEventData } from './calls.control-events';
import { CALL_SELECT, CallView, isTerminal } from './calls.events';
import { lockCall } from './calls.progress';
import { requireCallCarrier } from './calls.service';

// Bridging and recording. Each action re-checks the call's state under its row lock (a hangup racing the action
// either ends the call first, and the action answers call_already_ended, or waits for the action to commit, and
// then stops what it started), makes its change, its event and its audit row, and tells the carrier last, inside
// the same transaction: when the carrier refuses, nothing was changed.

/** Locks the call and checks again, under the lock, what callAction checked before it. */
export async function lockForAction(tx: Prisma.TransactionClient, callId: string, action: string, validFrom: readonly CallStatus[]): Promise<CallView> {
  const call = await lockCall(tx, callId);
  if (!call) throw new ApiError('not_found', 'Call not found');
  requireState(call, action, validFrom);
  return call;
}

export function requireState(call: Pick<CallView, 'status'>, action: string, validFrom: readonly CallStatus[], which = 'the call'): void {
  if (isTerminal(call.status)) throw new ApiError('call_already_ended', `${which === 'the call' ? 'The call' : which} already ended (${call.status})`);
  if (!validFrom.includes(call.status)) {
    throw new ApiError('call_not_in_required_state', `${action} needs ${which} to be ${validFrom.join(' or ')}; it is ${call.status}`);
  }
}

export async function tellCarrier(deps: ServiceDeps, call: Pick<CallView, 'upstreamCallId'>, command: CallCommand): Promise<void> {
  // An answered call always has its leg; a missing one is a call the carrier lost (recovery settles it).
  if (!call.upstreamCallId) throw new ApiError('call_not_in_required_state', 'The call has no carrier leg yet');
  await requireCallCarrier(deps).control(call.upstreamCallId, command);
}

async function reread(tx: Prisma.TransactionClient, id: string): Promise<CallView> {
  return tx.call.findUniqueOrThrow({ where: { id }, select: CALL_SELECT });
}

/** bridge: joins two answered calls of the tenant, neither already bridged to a call still in progress. */
export async function bridge(deps: ServiceDeps, actor: Actor, call: CallView, params: { callId?: unknown }): Promise<CallView> {
  const otherId = params.callId;
  if (typeof otherId !== 'string' || !otherId) throw invalidRequest('call_id is required: the call to bridge with', 'call_id');
  if (otherId === call.id) throw invalidRequest('A call cannot be bridged with itself', 'call_id');
  const other = isUuid(otherId) ? await deps.db.call.findFirst({ where: { id: otherId, tenantId: actor.tenantId }, select: { id: true } }) : null;
  if (!other) throw new ApiError('not_found', 'Call not found (call_id)');
  return inTransaction(deps.db, async (tx) => {
    // Both rows, in id order, so two bridges of the same pair in opposite directions can't deadlock.
    const [first, second] = [call.id, other.id].sort();
    const locked = new Map<string, CallView>();
    for (const id of [first, second]) {
      const row = await lockCall(tx, id);
      if (!row) throw new ApiError('not_found', 'Call not found');
      locked.set(id, row);
    }
    const a = locked.get(call.id) as CallView;
    const b = locked.get(other.id) as CallView;
    requireState(a, 'bridge', ['answered']);
    requireState(b, 'bridge', ['answered'], `the call to bridge with (${b.id})`);
    for (const c of [a, b]) {
      if (c.bridgedCallId && (await stillInProgress(tx, c.bridgedCallId))) {
        throw new ApiError('call_not_in_required_state', `bridge needs calls that are not bridged; ${c.id} is bridged with ${c.bridgedCallId}`);
      }
    }
    const at = deps.clock.now();
    for (const [self, peer] of [[a, b], [b, a]] as const) {
      await tx.call.update({ where: { id: self.id }, data: { bridgedCallId: peer.id, bridgedAt: at } });
      await recordControlEvent(tx, self, 'call.bridged', at, { bridged_call_id: peer.id });
      await recordAudit(tx, actor, { action: 'call.bridged', resourceType: 'call', resourceId: self.id, before: { bridged_call_id: self.bridgedCallId }, after: { bridged_call_id: peer.id } });
    }
    if (!b.upstreamCallId) throw new ApiError('call_not_in_required_state', 'The call to bridge with has no carrier leg yet');
    await tellCarrier(deps, a, { type: 'bridge', otherUpstreamCallId: b.upstreamCallId });
    return reread(tx, a.id);
  });
}

async function stillInProgress(tx: Prisma.TransactionClient, id: string): Promise<boolean> {
  const row = await tx.call.findUnique({ where: { id }, select: { status: true } });
  return !!row && !isTerminal(row.status);
}

const CHANNELS = ['single', 'dual'] as const;

/** record_start: one recording at a time per call (409 conflict while one runs). */
export async function recordStart(deps: ServiceDeps, actor: Actor, call: CallView, params: { channels?: unknown }): Promise<CallView> {
  const channels = params.channels ?? 'single';
  if (typeof channels !== 'string' || !(CHANNELS as readonly string[]).includes(channels)) throw invalidRequest('channels must be single or dual', 'channels');
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockForAction(tx, call.id, 'record_start', ['answered']);
    const running = await tx.recording.findFirst({ where: { callId: call.id, status: 'recording' }, select: { id: true } });
    if (running) throw new ApiError('conflict', `The call is already being recorded (recording ${running.id}); stop it first`);
    const at = deps.clock.now();
    const rec = await tx.recording.create({ data: { id: randomUUID(), tenantId: locked.tenantId, callId: call.id, channels, startedAt: at, createdAt: at } });
    await recordControlEvent(tx, locked, 'call.recording.started', at, recordingEventData(rec));
    await recordAudit(tx, actor, { action: 'call.recording_started', resourceType: 'recording', resourceId: rec.id, after: { call_id: call.id, channels } });
    await tellCarrier(deps, locked, { type: 'record_start', ref: rec.id, channels: channels as (typeof CHANNELS)[number] });
    return reread(tx, call.id);
  });
}

/** record_stop: the running recording goes to processing; the carrier delivers its audio later. */
export async function recordStop(deps: ServiceDeps, actor: Actor, call: CallView): Promise<CallView> {
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockForAction(tx, call.id, 'record_stop', ['answered']);
    const running = await tx.recording.findFirst({ where: { callId: call.id, status: 'recording' }, select: { id: true } });
    if (!running) throw new ApiError('recording_already_stopped', 'The call has no recording running');
    const at = deps.clock.now();
    const rec = await tx.recording.update({ where: { id: running.id }, data: { status: 'processing', stoppedAt: at } });
    await recordControlEvent(tx, locked, 'call.recording.stopped', at, { ...recordingEventData(rec), reason: 'requested' });
    await recordAudit(tx, actor, { action: 'call.recording_stopped', resourceType: 'recording', resourceId: rec.id, before: { status: 'recording' }, after: { status: 'processing' } });
    await tellCarrier(deps, locked, { type: 'record_stop', ref: rec.id });
    return reread(tx, call.id);
  });
}
