import { recordAudit } from '../audit/audit.service';
import { systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ServiceDeps } from '../platform/service-deps';
import { recordControlEvent, recordingEventData } from './calls.control-events';
import { applyMediaEvent } from './calls.media-progress';
import { carrierSessions } from './calls.ownership';
import { requireCallCarrier } from './calls.service';

// A recording stays `processing` until the carrier reports its audio (recording.available). When that report is
// lost — the gateway died between the recording's stop and the report, or the report failed to apply — this asks
// the carrier again, after the call's own recovery:
// - the carrier has the audio: it is fetched and saved, as if the report had come (call.recording.saved);
// - the carrier is still processing it: left alone;
// - the carrier has no such recording (it was lost with the restart of the in-process carrier): the recording
//   fails with reason carrier_recording_lost (call.recording.failed), so nobody waits for audio that never comes.
// Like calls, a recording is asked about only by the instance whose carrier holds its call; one of an instance
// that is gone is lost with it; one of another instance that still runs is left to that instance.

export const RECORDING_LOST = 'carrier_recording_lost';

export async function recoverRecordings(deps: ServiceDeps): Promise<{ checked: number; saved: number; failed: number }> {
  const carrier = requireCallCarrier(deps);
  const pending = await deps.db.recording.findMany({
    where: { status: 'processing' },
    select: { id: true, callId: true, call: { select: { carrierInstanceId: true } } },
    orderBy: { createdAt: 'asc' },
    take: 1000,
  });
  const sessionOf = await carrierSessions(deps, pending.map((r) => r.call.carrierInstanceId));
  let checked = 0;
  let saved = 0;
  let failed = 0;
  for (const rec of pending) {
    const session = sessionOf(rec.call.carrierInstanceId);
    if (session.kind === 'elsewhere') continue;
    checked++;
    const state = session.kind === 'mine' ? await carrier.recording(rec.id) : null;
    if (state?.state === 'available') {
      const event = { id: `${rec.id}:recovered-available`, type: 'recording.available' as const, upstreamCallId: '', callRef: rec.callId, ref: rec.id, startedAt: state.startedAt, endedAt: state.endedAt ?? state.startedAt, at: deps.clock.now() };
      if ((await applyMediaEvent(deps, event)) === 'applied') saved++;
    } else if (!state && (await failRecording(deps, rec.id, RECORDING_LOST))) {
      failed++;
    }
  }
  return { checked, saved, failed };
}

/** Ends a processing recording without audio; false when it had already moved on (saved, failed or deleted). */
export async function failRecording(deps: ServiceDeps, id: string, reason: string): Promise<boolean> {
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM recordings WHERE id = ${id}::uuid FOR UPDATE`;
    if (row?.status !== 'processing') return false;
    const failedRec = await tx.recording.update({
      where: { id },
      data: { status: 'failed', failureReason: reason },
      include: { call: { select: { id: true, tenantId: true, connectionId: true } } },
    });
    await recordControlEvent(tx, failedRec.call, 'call.recording.failed', deps.clock.now(), { ...recordingEventData(failedRec), failure_reason: reason });
    await recordAudit(tx, systemActor(failedRec.tenantId, `recording:${id}`), { action: 'recording.failed', resourceType: 'recording', resourceId: id, before: { status: 'processing' }, after: { status: 'failed', failure_reason: reason } });
    return true;
  });
}
