import { Prisma } from '../generated/prisma/client';
import { recordEvent, RecordedEvent } from '../events/events.service';
import { EventType } from '../events/event-types';

// The outbox events of call control (call.bridged, call.recording.*, call.streaming.*, call.transcription.*,
// call.gather.*). They are events of the call resource, so they share the call's per-resource sequence with its
// status events: a webhook consumer sees call.answered, call.recording.started, call.hangup in commit order.

export interface ControlledCall {
  id: string;
  tenantId: string;
  connectionId: string | null;
}

export async function recordControlEvent(tx: Prisma.TransactionClient, call: ControlledCall, type: EventType, at: Date, data: Record<string, unknown>): Promise<RecordedEvent> {
  return recordEvent(tx, {
    tenantId: call.tenantId,
    type,
    resourceType: 'call',
    resourceId: call.id,
    connectionId: call.connectionId,
    occurredAt: at,
    data: { call_id: call.id, ...data },
  });
}

/** A recording as its events show it (the REST resource's names; never the audio). */
export function recordingEventData(r: { id: string; status: string; channels: string; startedAt: Date; stoppedAt: Date | null; availableAt: Date | null; durationMs: number | null; sizeBytes: number | null }) {
  return {
    recording_id: r.id,
    status: r.status,
    channels: r.channels,
    started_at: r.startedAt,
    stopped_at: r.stoppedAt,
    available_at: r.availableAt,
    duration_ms: r.durationMs,
    size_bytes: r.sizeBytes,
  };
}
