import { Prisma } from '../generated/prisma/client';
import { EventType } from '../events/event-types';
import { recordControlEvent, recordingEventData } from './calls.control-events';

// A call that ends stops everything it was running, in the transaction that ends it: its recording goes to
// processing (the carrier delivers the audio later), its streams, transcription and gather stop, each announced.

const STOPPED_EVENT: Record<'stream' | 'transcription' | 'gather', EventType> = {
  stream: 'call.streaming.stopped',
  transcription: 'call.transcription.stopped',
  gather: 'call.gather.ended',
};

export async function stopCallMedia(tx: Prisma.TransactionClient, call: { id: string; tenantId: string; connectionId: string | null }, at: Date): Promise<void> {
  // Each update is conditional on the state it changes: the carrier's own report (a recording's audio, a gather's
  // digits) may commit in between, and what it settled must not be overwritten nor announced twice.
  const running = await tx.recording.findMany({ where: { callId: call.id, status: 'recording' }, select: { id: true } });
  for (const { id } of running) {
    const { count } = await tx.recording.updateMany({ where: { id, status: 'recording' }, data: { status: 'processing', stoppedAt: at } });
    if (count === 0) continue;
    const r = await tx.recording.findUniqueOrThrow({ where: { id } });
    await recordControlEvent(tx, call, 'call.recording.stopped', at, { ...recordingEventData(r), reason: 'call_ended' });
  }
  const sessions = await tx.callMediaSession.findMany({ where: { callId: call.id, status: 'active' }, orderBy: { startedAt: 'asc' } });
  for (const s of sessions) {
    const result = s.kind === 'gather' ? { digits: '', reason: 'call_hangup' } : undefined;
    const { count } = await tx.callMediaSession.updateMany({
      where: { id: s.id, status: 'active' },
      data: { status: 'stopped', stoppedAt: at, stopReason: 'call_ended', ...(result ? { result } : {}) },
    });
    if (count === 0) continue;
    await recordControlEvent(tx, call, STOPPED_EVENT[s.kind], at, { media_id: s.id, kind: s.kind, name: s.name, reason: 'call_ended', ...(result ?? {}) });
  }
}
