import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { isUuid } from '../platform/ids';
import { ServiceDeps } from '../platform/service-deps';
import { CallMediaEvent } from './carrier-port';
import { lockCall, RETRY_DELAYS_MS } from './calls.progress';
import { recordControlEvent, recordingEventData } from './calls.control-events';

// What the carrier reports about media after the fact: a recording's audio is ready (fetched from the carrier and
// stored with its row, then call.recording.saved), a gather ended with the digits pressed (call.gather.ended),
// speech was transcribed (call.transcription: partial, then final text, per utterance).
// Idempotent: an event for something already settled, deleted or unknown changes nothing.

export type MediaApplied = 'applied' | 'ignored' | 'unknown';

/**
 * The carrier is told last inside the transaction that creates the recording or session, so its event can
 * arrive before that transaction commits: an unknown ref is retried for a while (like call progress) before
 * it is taken as truly unknown.
 */
export async function applyMediaEvent(deps: ServiceDeps, event: CallMediaEvent): Promise<MediaApplied> {
  if (!isUuid(event.ref)) return 'ignored';
  if (event.type === 'transcription') return inTranscriptOrder(event.ref, () => applyWithRetry(deps, event));
  return applyWithRetry(deps, event);
}

const transcriptChains = new Map<string, Promise<unknown>>();

/** A transcription's results are recorded one after another, in the order the carrier heard them. */
function inTranscriptOrder(ref: string, work: () => Promise<MediaApplied>): Promise<MediaApplied> {
  const next = (transcriptChains.get(ref) ?? Promise.resolve()).catch(() => undefined).then(work);
  transcriptChains.set(ref, next);
  void next.catch(() => undefined).finally(() => {
    if (transcriptChains.get(ref) === next) transcriptChains.delete(ref);
  });
  return next;
}

async function applyWithRetry(deps: ServiceDeps, event: CallMediaEvent): Promise<MediaApplied> {
  for (let attempt = 0; ; attempt++) {
    const outcome = event.type === 'recording.available' ? await saveRecording(deps, event) : event.type === 'gather.ended' ? await endGather(deps, event) : await recordTranscript(deps, event);
    if (outcome !== 'unknown' || attempt >= RETRY_DELAYS_MS.length) return outcome;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
  }
}

async function saveRecording(deps: ServiceDeps, event: Extract<CallMediaEvent, { type: 'recording.available' }>): Promise<MediaApplied> {
  const pending = await deps.db.recording.findUnique({ where: { id: event.ref }, select: { status: true } });
  if (!pending) return 'unknown';
  if (pending.status === 'available') return 'ignored';
  // Fetched before the transaction: no row lock is held across the carrier round trip.
  const audio = await deps.callCarrier?.recordingContent(event.ref);
  if (!audio) return 'ignored';
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM recordings WHERE id = ${event.ref}::uuid FOR UPDATE`;
    if (!row || row.status === 'available') return 'ignored';
    const saved = await tx.recording.update({
      where: { id: event.ref },
      data: {
        status: 'available',
        stoppedAt: event.endedAt,
        availableAt: event.at,
        durationMs: Math.max(0, event.endedAt.getTime() - event.startedAt.getTime()),
        contentType: audio.contentType,
        sizeBytes: audio.content.length,
        sha256: createHash('sha256').update(audio.content).digest('hex'),
        content: new Uint8Array(audio.content),
      },
      include: { call: { select: { id: true, tenantId: true, connectionId: true } } },
    });
    await recordControlEvent(tx, saved.call, 'call.recording.saved', event.at, recordingEventData(saved));
    await recordAudit(tx, systemActor(saved.tenantId, `recording:${saved.id}`), { action: 'recording.saved', resourceType: 'recording', resourceId: saved.id, before: { status: row.status }, after: { status: 'available', size_bytes: saved.sizeBytes } });
    return 'applied';
  });
}

async function endGather(deps: ServiceDeps, event: Extract<CallMediaEvent, { type: 'gather.ended' }>): Promise<MediaApplied> {
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM call_media_sessions WHERE id = ${event.ref}::uuid FOR UPDATE`;
    if (!row) return 'unknown';
    if (row.status !== 'active') return 'ignored';
    const result = { digits: event.digits, reason: event.reason };
    const ended = await tx.callMediaSession.update({
      where: { id: event.ref },
      data: { status: 'stopped', stoppedAt: event.at, stopReason: event.reason, result },
      include: { call: { select: { id: true, tenantId: true, connectionId: true } } },
    });
    await recordControlEvent(tx, ended.call, 'call.gather.ended', event.at, { media_id: ended.id, kind: 'gather', name: ended.name, ...result });
    await recordAudit(tx, systemActor(ended.tenantId, `call:${ended.callId}`), { action: 'call.gather_ended', resourceType: 'call', resourceId: ended.callId, after: { media_id: ended.id, ...result } });
    return 'applied';
  });
}

/**
 * A transcript result of a running transcription, as a call.transcription event (webhooks and the eventRecorded
 * subscription carry it). Text is data, not a state change: nothing else changes and no audit row is written.
 * Results that arrive after the transcription stopped are dropped.
 */
async function recordTranscript(deps: ServiceDeps, event: Extract<CallMediaEvent, { type: 'transcription' }>): Promise<MediaApplied> {
  if (!isUuid(event.callRef)) return 'ignored';
  return inTransaction(deps.db, async (tx) => {
    // The call's row lock first, like every action: a transcription_stop is then wholly before or after this, so
    // no text follows call.transcription.stopped in the call's sequence.
    if (!(await lockCall(tx, event.callRef))) return 'unknown';
    const session = await tx.callMediaSession.findUnique({ where: { id: event.ref }, include: { call: { select: { id: true, tenantId: true, connectionId: true } } } });
    if (!session) return 'unknown';
    if (session.status !== 'active' || session.kind !== 'transcription' || session.callId !== event.callRef) return 'ignored';
    const language = (session.params as { language?: string } | null)?.language ?? null;
    await recordControlEvent(tx, session.call, 'call.transcription', event.at, {
      media_id: session.id, language, utterance: event.utterance, speaker: event.speaker, text: event.text, is_final: event.isFinal,
    });
    return 'applied';
  });
}

/** Wires the carrier's media events to the calls domain; returns the unsubscribe. */
export function startMediaProgress(deps: ServiceDeps, onError: (err: unknown, event: CallMediaEvent) => void): () => void {
  if (!deps.callCarrier) return () => {};
  return deps.callCarrier.onMediaEvent((event) => applyMediaEvent(deps, event).then(undefined, (err) => onError(err, event)));
}
