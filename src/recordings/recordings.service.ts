import { recordAudit } from '../audit/audit.service';
import { recordControlEvent, recordingEventData } from '../calls/calls.control-events';
import { RecordingStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';

// Recordings of the tenant's calls: listed and read (GET /v1/recordings[/{id}]), downloaded once the carrier
// has delivered the audio (409 recording_not_ready before), deleted (the row and its audio go; the deletion is
// audited and announced). The audio is never part of a listing: only the download reads it.

export const RECORDING_SELECT = {
  id: true, tenantId: true, callId: true, status: true, channels: true, startedAt: true, stoppedAt: true, availableAt: true,
  durationMs: true, contentType: true, sizeBytes: true, sha256: true, failureReason: true, createdAt: true,
} as const;

export interface RecordingView {
  id: string;
  tenantId: string;
  callId: string;
  status: RecordingStatus;
  channels: string;
  startedAt: Date;
  stoppedAt: Date | null;
  availableAt: Date | null;
  durationMs: number | null;
  contentType: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  failureReason: string | null;
  createdAt: Date;
}

export interface RecordingFilter {
  callId?: string | null;
  status?: RecordingStatus | null;
}

export async function listRecordings(deps: ServiceDeps, actor: Actor, filter: RecordingFilter, page: PageArgs): Promise<Page<RecordingView>> {
  requireScope(actor, 'calls:read');
  // An id that can't be a call's matches nothing (like another tenant's call).
  if (filter.callId && !isUuid(filter.callId)) return { nodes: [], endCursor: null, hasNextPage: false };
  return paginate(page, (take, cursor) =>
    deps.db.recording.findMany({
      where: {
        tenantId: actor.tenantId,
        ...(filter.callId ? { callId: filter.callId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(Object.keys(cursor).length ? { AND: [cursor] } : {}),
      },
      orderBy: NEWEST_FIRST,
      take,
      select: RECORDING_SELECT,
    }),
  );
}

export async function getRecording(deps: ServiceDeps, actor: Actor, id: string): Promise<RecordingView> {
  requireScope(actor, 'calls:read');
  const found = isUuid(id) ? await deps.db.recording.findFirst({ where: { id, tenantId: actor.tenantId }, select: RECORDING_SELECT }) : null;
  if (!found) throw new ApiError('not_found', 'Recording not found');
  return found;
}

/** The audio: 409 recording_not_ready until the carrier delivered it. */
export async function recordingAudio(deps: ServiceDeps, actor: Actor, id: string): Promise<RecordingView & { content: Buffer }> {
  requireScope(actor, 'calls:read');
  const found = isUuid(id) ? await deps.db.recording.findFirst({ where: { id, tenantId: actor.tenantId }, select: { ...RECORDING_SELECT, content: true } }) : null;
  if (!found) throw new ApiError('not_found', 'Recording not found');
  if (found.status === 'failed') throw new ApiError('recording_not_ready', `The recording failed (${found.failureReason ?? 'unknown'}); it has no audio and never will`);
  if (found.status !== 'available' || !found.content) throw new ApiError('recording_not_ready', `The recording is ${found.status}; its audio is not available yet`);
  return { ...found, content: Buffer.from(found.content) };
}

/** Deletes a recording that is no longer running (409 conflict while it records: stop it first). */
export async function deleteRecording(deps: ServiceDeps, actor: Actor, id: string): Promise<RecordingView> {
  requireScope(actor, 'calls:write');
  return inTransaction(deps.db, async (tx) => {
    const [row] = isUuid(id) ? await tx.$queryRaw<{ id: string }[]>`SELECT id FROM recordings WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE` : [];
    if (!row) throw new ApiError('not_found', 'Recording not found');
    const rec = await tx.recording.findUniqueOrThrow({ where: { id }, select: { ...RECORDING_SELECT, call: { select: { id: true, tenantId: true, connectionId: true } } } });
    if (rec.status === 'recording') throw new ApiError('conflict', 'The recording is still running; stop it (record_stop) before deleting it');
    await tx.recording.delete({ where: { id } });
    const at = deps.clock.now();
    await recordControlEvent(tx, rec.call, 'call.recording.deleted', at, recordingEventData(rec));
    await recordAudit(tx, actor, { action: 'recording.deleted', resourceType: 'recording', resourceId: id, before: { call_id: rec.callId, status: rec.status, size_bytes: rec.sizeBytes } });
    const { call: _call, ...view } = rec;
    return view;
  });
}
