import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { EventType } from '../events/event-types';

import { CallMediaKind } from '../generated/prisma/enums';
import { Actor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, ErrorCode, invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { BillableAction, chargeActionFee } from './action-fees';
import { CallCommand } from './carrier-port';
import { lockForAction, tellCarrier } from './calls.control';
import { recordControlEvent } from './calls.control-events';
import { CALL_SELECT, CallView } from './calls.events';
import { privateTargetReason } from '../webhooks/target-url';

// Streams, transcription and gathers: media sessions of an answered call, each billed its one-off fee when it
// starts. A start is one transaction under the call's row lock: the conflict check, the fee (402 leaves nothing
// started), the session row, its event, its audit row, then the carrier's command (a refusal undoes the rest).

interface StartSpec {
  kind: CallMediaKind;
  name: string;
  fee: BillableAction;
  startedEvent: EventType;
  /** The code when a session of the same kind and name is already active. */
  alreadyActive: ErrorCode;
  alreadyActiveMessage: string;
  params: Record<string, string | number | null>;
  command: (ref: string) => CallCommand;
}

interface StopSpec {
  kind: CallMediaKind;
  name: string;
  stoppedEvent: EventType;
  notActive: ErrorCode;
  notActiveMessage: string;
  command: (ref: string) => CallCommand;
}

async function startSession(deps: ServiceDeps, actor: Actor, call: CallView, action: string, spec: StartSpec): Promise<CallView> {
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockForAction(tx, call.id, action, ['answered']);
    const active = await tx.callMediaSession.findFirst({ where: { callId: call.id, kind: spec.kind, name: spec.name, status: 'active' }, select: { id: true } });
    if (active) throw new ApiError(spec.alreadyActive, spec.alreadyActiveMessage);
    const id = randomUUID();
    const fee = await chargeActionFee(tx, deps, { tenantId: locked.tenantId, callId: call.id, action: spec.fee, startId: id });
    const at = deps.clock.now();
    await tx.callMediaSession.create({
      data: { id, tenantId: locked.tenantId, callId: call.id, kind: spec.kind, name: spec.name, params: spec.params, feeCents: fee.feeCents, feeLedgerEntryId: fee.ledgerEntryId, startedAt: at, createdAt: at },
    });
    await recordControlEvent(tx, locked, spec.startedEvent, at, { media_id: id, kind: spec.kind, name: spec.name, ...spec.params, fee_cents: fee.feeCents });
    await recordAudit(tx, actor, { action: `call.${action}`, resourceType: 'call', resourceId: call.id, after: { media_id: id, kind: spec.kind, name: spec.name, fee_cents: fee.feeCents } });
    await tellCarrier(deps, locked, spec.command(id));
    return tx.call.findUniqueOrThrow({ where: { id: call.id }, select: CALL_SELECT });
  });
}

async function stopSession(deps: ServiceDeps, actor: Actor, call: CallView, action: string, spec: StopSpec): Promise<CallView> {
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockForAction(tx, call.id, action, ['answered']);
    const active = await tx.callMediaSession.findFirst({ where: { callId: call.id, kind: spec.kind, name: spec.name, status: 'active' }, select: { id: true } });
    if (!active) throw new ApiError(spec.notActive, spec.notActiveMessage);
    const at = deps.clock.now();
    await tx.callMediaSession.update({ where: { id: active.id }, data: { status: 'stopped', stoppedAt: at, stopReason: 'requested' } });
    await recordControlEvent(tx, locked, spec.stoppedEvent, at, { media_id: active.id, kind: spec.kind, name: spec.name, reason: 'requested' });
    await recordAudit(tx, actor, { action: `call.${action}`, resourceType: 'call', resourceId: call.id, before: { media_id: active.id, status: 'active' }, after: { status: 'stopped' } });
    await tellCarrier(deps, locked, spec.command(active.id));
    return tx.call.findUniqueOrThrow({ where: { id: call.id }, select: CALL_SELECT });
  });
}

const STREAM_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const TRACKS = ['inbound', 'outbound', 'both'] as const;
export const DEFAULT_STREAM_ID = 'default';

function streamIdOf(value: unknown): string {
  const id = value ?? DEFAULT_STREAM_ID;
  if (typeof id !== 'string' || !STREAM_ID.test(id)) throw invalidRequest('stream_id must be 1–64 letters, digits or _ . : -', 'stream_id');
  return id;
}

/** streaming_start: media forked to a WebSocket URL, under a stream id ("default" unless named). */
export async function streamingStart(deps: ServiceDeps, actor: Actor, call: CallView, params: { streamUrl?: unknown; streamId?: unknown; track?: unknown }): Promise<CallView> {
  const url = await streamUrlOf(deps, params.streamUrl);
  const streamId = streamIdOf(params.streamId);
  const track = params.track ?? 'inbound';
  if (typeof track !== 'string' || !(TRACKS as readonly string[]).includes(track)) throw invalidRequest('track must be inbound, outbound or both', 'track');
  return startSession(deps, actor, call, 'streaming_start', {
    kind: 'stream', name: streamId, fee: 'streaming', startedEvent: 'call.streaming.started',
    alreadyActive: 'streaming_already_active', alreadyActiveMessage: `A stream with id ${streamId} is already active on this call`,
    params: { stream_id: streamId, stream_url: url, track },
    command: (ref) => ({ type: 'stream_start', ref, url, track: track as (typeof TRACKS)[number] }),
  });
}

export function streamingStop(deps: ServiceDeps, actor: Actor, call: CallView, params: { streamId?: unknown }): Promise<CallView> {
  const streamId = streamIdOf(params.streamId);
  return stopSession(deps, actor, call, 'streaming_stop', {
    kind: 'stream', name: streamId, stoppedEvent: 'call.streaming.stopped',
    notActive: 'streaming_not_found', notActiveMessage: `No active stream with id ${streamId} on this call`,
    command: (ref) => ({ type: 'stream_stop', ref }),
  });
}

/**
 * A ws:// or wss:// URL the carrier will stream to. Like a webhook target, it must not lead into the gateway's own
 * network (SSRF): private, loopback, link-local and reserved hosts are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS.
 */
async function streamUrlOf(deps: ServiceDeps, value: unknown): Promise<string> {
  if (typeof value !== 'string' || value.length > 2048) throw invalidRequest('stream_url is required: a ws:// or wss:// URL', 'stream_url');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('stream_url must be a ws:// or wss:// URL', 'stream_url');
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw invalidRequest('stream_url must be a ws:// or wss:// URL', 'stream_url');
  if (url.username || url.password) throw invalidRequest('stream_url must not contain credentials', 'stream_url');
  if (!deps.webhooks?.allowPrivateTargets) {
    const reason = await privateTargetReason(url);
    if (reason) throw invalidRequest(`stream_url ${reason}`, 'stream_url');
  }
  return url.toString();
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Z]{2})?$/;

/** transcription_start: one transcription per call. */
export function transcriptionStart(deps: ServiceDeps, actor: Actor, call: CallView, params: { language?: unknown }): Promise<CallView> {
  const language = params.language ?? 'en-US';
  if (typeof language !== 'string' || !LANGUAGE.test(language)) throw invalidRequest('language must be a language tag such as en-US or de', 'language');
  return startSession(deps, actor, call, 'transcription_start', {
    kind: 'transcription', name: 'transcription', fee: 'transcription', startedEvent: 'call.transcription.started',
    alreadyActive: 'transcription_already_active', alreadyActiveMessage: 'Transcription is already running on this call',
    params: { language },
    command: (ref) => ({ type: 'transcription_start', ref, language }),
  });
}

export function transcriptionStop(deps: ServiceDeps, actor: Actor, call: CallView): Promise<CallView> {
  return stopSession(deps, actor, call, 'transcription_stop', {
    kind: 'transcription', name: 'transcription', stoppedEvent: 'call.transcription.stopped',
    notActive: 'transcription_not_active', notActiveMessage: 'No transcription is running on this call',
    command: (ref) => ({ type: 'transcription_stop', ref }),
  });
}

const DIGIT = /^[0-9*#]$/;

/** gather: collects DTMF digits; the carrier reports them later (call.gather.ended). One gather at a time. */
export function gather(deps: ServiceDeps, actor: Actor, call: CallView, params: { maxDigits?: unknown; timeoutSecs?: unknown; terminatingDigit?: unknown }): Promise<CallView> {
  const maxDigits = params.maxDigits ?? 1;
  const timeoutSecs = params.timeoutSecs ?? 5;
  const terminatingDigit = params.terminatingDigit ?? null;
  if (typeof maxDigits !== 'number' || !Number.isInteger(maxDigits) || maxDigits < 1 || maxDigits > 32) throw invalidRequest('max_digits must be a whole number between 1 and 32', 'max_digits');
  if (typeof timeoutSecs !== 'number' || !Number.isInteger(timeoutSecs) || timeoutSecs < 1 || timeoutSecs > 120) throw invalidRequest('timeout_secs must be a whole number between 1 and 120', 'timeout_secs');
  if (terminatingDigit !== null && (typeof terminatingDigit !== 'string' || !DIGIT.test(terminatingDigit))) throw invalidRequest('terminating_digit must be one of 0-9, * or #', 'terminating_digit');
  return startSession(deps, actor, call, 'gather', {
    kind: 'gather', name: 'gather', fee: 'gather', startedEvent: 'call.gather.started',
    alreadyActive: 'conflict', alreadyActiveMessage: 'A gather is already running on this call; wait for call.gather.ended',
    params: { max_digits: maxDigits, timeout_secs: timeoutSecs, terminating_digit: terminatingDigit },
    command: (ref) => ({ type: 'gather', ref, maxDigits, timeoutSecs, terminatingDigit }),
  });
}

