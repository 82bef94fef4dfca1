import { Prisma } from '../generated/prisma/client';
import { systemActor } from '../platform/auth/scopes';
import { ServiceDeps } from '../platform/service-deps';
import { lockConference, markEnded, markLeft, PARTICIPANT_SELECT } from './conferences.events';

/**
 * A call that ends leaves the conference it was in, in the transaction that ends it (which holds the call's row
 * lock: call → conference, the lock order of every conference change). The carrier already let the leg go when
 * it hung up, so nothing is sent upstream. The conference ends with it when it was the last participant and
 * the conference was created with end_when_empty.
 */
export async function leaveConferencesOnHangup(tx: Prisma.TransactionClient, deps: ServiceDeps, call: { id: string; tenantId: string }, at: Date): Promise<void> {
  const stays = await tx.conferenceParticipant.findMany({ where: { callId: call.id, status: 'joined' }, select: { id: true, conferenceId: true } });
  if (stays.length === 0) return;
  const actor = systemActor(call.tenantId, `call:${call.id}`);
  for (const stay of stays) {
    const room = await lockConference(tx, call.tenantId, stay.conferenceId);
    const participant = await tx.conferenceParticipant.findUniqueOrThrow({ where: { id: stay.id }, select: PARTICIPANT_SELECT });
    if (participant.status !== 'joined' || room.status !== 'active') continue;
    await markLeft(tx, deps, actor, room, participant, 'hangup', at);
    if (room.endWhenEmpty && (await tx.conferenceParticipant.count({ where: { conferenceId: room.id, status: 'joined' } })) === 0) {
      await markEnded(tx, deps, actor, room, 'last_participant_left', at);
    }
  }
}
