import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { requireState } from '../calls/calls.control';
import { lockCall } from '../calls/calls.progress';
import { requireCallCarrier } from '../calls/calls.service';
import { Prisma } from '../generated/prisma/client';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps } from '../platform/service-deps';
import { announce, ConferenceView, lockConference, markEnded, markLeft, PARTICIPANT_SELECT, ParticipantView, requireActive } from './conferences.events';
import { getConference } from './conferences.service';

// Participants: the tenant's answered calls join a conference, are muted, held, kicked. Locks are always taken
// in the order call → conference → participant (a hangup holds its call's lock when it makes the participant
// leave), so no two changes can wait on each other. State rules, all 409 conference_action_invalid:
//   - anything on a conference that ended;
//   - anything on a participant who left (kicked, hung up, or the conference ended);
//   - mute of a muted participant, unmute of one not muted, hold of one on hold, unhold of one not on hold.

export interface AddParticipantInput {
  callId: string;
  muted?: boolean | null;
  onHold?: boolean | null;
}

/** Joins an answered call of the tenant: 409 conference_full at the cap, counted under the conference's lock. */
export async function addParticipant(deps: ServiceDeps, actor: Actor, conferenceId: string, input: AddParticipantInput): Promise<ParticipantView> {
  requireScope(actor, 'calls:write');
  const conference = await getConference(deps, actor, conferenceId);
  const callId = input.callId;
  if (typeof callId !== 'string' || !callId) throw invalidRequest('call_id is required: the answered call that joins', 'call_id');
  const call = isUuid(callId) ? await deps.db.call.findFirst({ where: { id: callId, tenantId: actor.tenantId }, select: { id: true } }) : null;
  if (!call) throw new ApiError('not_found', 'Call not found (call_id)');
  const muted = input.muted ?? false;
  const onHold = input.onHold ?? false;
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockCall(tx, call.id);
    if (!locked) throw new ApiError('not_found', 'Call not found (call_id)');
    const room = await lockConference(tx, actor.tenantId, conference.id);
    requireActive(room, 'Adding a participant');
    requireState(locked, 'Joining a conference', ['answered']);
    const current = await tx.conferenceParticipant.findFirst({ where: { callId: call.id, status: 'joined' }, select: { id: true, conferenceId: true } });
    if (current?.conferenceId === room.id) throw new ApiError('conference_action_invalid', `The call is already a participant of this conference (${current.id})`);
    if (current) throw new ApiError('call_not_in_required_state', `Joining a conference needs a call in no other conference; it is in ${current.conferenceId}`);
    const joined = await tx.conferenceParticipant.count({ where: { conferenceId: room.id, status: 'joined' } });
    if (joined >= room.maxParticipants) throw new ApiError('conference_full', `The conference has its ${room.maxParticipants} participants (max_participants)`);
    const at = deps.clock.now();
    const participant = await tx.conferenceParticipant.create({
      data: { id: randomUUID(), tenantId: actor.tenantId, conferenceId: room.id, callId: call.id, muted, onHold, joinedAt: at, createdAt: at },
      select: PARTICIPANT_SELECT,
    });
    await announce(tx, deps, 'conference.participant.joined', room, at, participant);
    await recordAudit(tx, actor, { action: 'conference.participant_joined', resourceType: 'conference_participant', resourceId: participant.id, after: { conference_id: room.id, call_id: call.id, muted, on_hold: onHold } });
    if (!locked.upstreamCallId) throw new ApiError('call_not_in_required_state', 'The call has no carrier leg yet');
    await requireCallCarrier(deps).conference(room.id, { type: 'join', upstreamCallId: locked.upstreamCallId, muted, onHold });
    return participant;
  });
}

type Flag = 'muted' | 'onHold';

/** What each action changes, and the state it needs. */
export const PARTICIPANT_ACTIONS = {
  mute: { flag: 'muted', to: true },
  unmute: { flag: 'muted', to: false },
  hold: { flag: 'onHold', to: true },
  unhold: { flag: 'onHold', to: false },
  kick: null,
} as const satisfies Record<string, { flag: Flag; to: boolean } | null>;

export type ParticipantActionName = keyof typeof PARTICIPANT_ACTIONS;

const NEEDS: Record<Exclude<ParticipantActionName, 'kick'>, string> = { mute: 'not muted', unmute: 'muted', hold: 'not on hold', unhold: 'on hold' };

export async function participantAction(deps: ServiceDeps, actor: Actor, conferenceId: string, participantId: string, action: ParticipantActionName): Promise<ParticipantView> {
  requireScope(actor, 'calls:write');
  if (!Object.prototype.hasOwnProperty.call(PARTICIPANT_ACTIONS, action)) throw invalidRequest(`Unknown participant action ${action}`);
  const conference = await getConference(deps, actor, conferenceId);
  const known = isUuid(participantId) ? await deps.db.conferenceParticipant.findFirst({ where: { id: participantId, conferenceId: conference.id, tenantId: actor.tenantId }, select: { id: true } }) : null;
  if (!known) throw new ApiError('participant_not_found', 'Participant not found in this conference');
  return inTransaction(deps.db, async (tx) => {
    const room = await lockConference(tx, actor.tenantId, conference.id);
    requireActive(room, action);
    const participant = await tx.conferenceParticipant.findUniqueOrThrow({ where: { id: known.id }, select: PARTICIPANT_SELECT });
    if (participant.status === 'left') throw new ApiError('conference_action_invalid', `${action} needs a joined participant; this one left (${participant.leaveReason ?? 'left'})`);
    const upstreamCallId = await upstreamCallOf(tx, participant.callId);
    const change = PARTICIPANT_ACTIONS[action];
    if (!change) return kick(tx, deps, actor, room, participant, upstreamCallId);
    if (participant[change.flag] === change.to) {
      throw new ApiError('conference_action_invalid', `${action} needs a participant who is ${NEEDS[action as keyof typeof NEEDS]}`);
    }
    const updated = await tx.conferenceParticipant.update({ where: { id: participant.id }, data: { [change.flag]: change.to }, select: PARTICIPANT_SELECT });
    await announce(tx, deps, 'conference.participant.updated', room, deps.clock.now(), updated);
    await recordAudit(tx, actor, {
      action: `conference.participant_${action === 'mute' || action === 'unmute' ? `${action}d` : action === 'hold' ? 'held' : 'unheld'}`,
      resourceType: 'conference_participant',
      resourceId: participant.id,
      before: { muted: participant.muted, on_hold: participant.onHold },
      after: { muted: updated.muted, on_hold: updated.onHold },
    });
    await requireCallCarrier(deps).conference(room.id, { type: 'update', upstreamCallId, [change.flag]: change.to });
    return updated;
  });
}

/** The participant leaves (its call stays up); the conference ends with it when it was the last and end_when_empty. */
async function kick(tx: Prisma.TransactionClient, deps: ServiceDeps, actor: Actor, room: ConferenceView, participant: ParticipantView, upstreamCallId: string): Promise<ParticipantView> {
  const at = deps.clock.now();
  const left = await markLeft(tx, deps, actor, room, participant, 'kicked', at);
  if (room.endWhenEmpty && (await tx.conferenceParticipant.count({ where: { conferenceId: room.id, status: 'joined' } })) === 0) {
    await markEnded(tx, deps, actor, room, 'last_participant_left', at);
  }
  // The carrier closes its room by the same rule when the last member leaves.
  await requireCallCarrier(deps).conference(room.id, { type: 'kick', upstreamCallId });
  return left;
}

async function upstreamCallOf(tx: Prisma.TransactionClient, callId: string): Promise<string> {
  const call = await tx.call.findUniqueOrThrow({ where: { id: callId }, select: { upstreamCallId: true } });
  // A participant joined as an answered call, which always has its leg.
  if (!call.upstreamCallId) throw new ApiError('conference_action_invalid', 'The participant’s call has no carrier leg');
  return call.upstreamCallId;
}
