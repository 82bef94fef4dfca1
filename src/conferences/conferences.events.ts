import { recordAudit } from '../audit/audit.service';
import { recordEvent, RecordedEvent } from '../events/events.service';
import { EventType } from '../events/event-types';
import { Prisma } from '../generated/prisma/client';
import { ConferenceParticipantStatus, ConferenceStatus } from '../generated/prisma/enums';
import { Actor } from '../platform/auth/scopes';
import { afterCommit } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { ConferenceChange } from '../platform/pubsub';
import { ServiceDeps } from '../platform/service-deps';

// How a conference and its participants look everywhere they are shown (GraphQL, /v1, every conference.* event's
// data), the row locks every change takes, and the one place a change is announced: its outbox event (of the
// conference resource, so participants' events share the conference's sequence), then the subscription publish
// after commit.

export interface ConferenceView {
  id: string;
  tenantId: string;
  name: string | null;
  status: ConferenceStatus;
  maxParticipants: number;
  endWhenEmpty: boolean;
  upstreamConferenceId: string;
  endedAt: Date | null;
  endReason: string | null;
  createdAt: Date;
}

export const CONFERENCE_SELECT = {
  id: true, tenantId: true, name: true, status: true, maxParticipants: true, endWhenEmpty: true, upstreamConferenceId: true, endedAt: true, endReason: true, createdAt: true,
} as const;

export interface ParticipantView {
  id: string;
  tenantId: string;
  conferenceId: string;
  callId: string;
  status: ConferenceParticipantStatus;
  muted: boolean;
  onHold: boolean;
  joinedAt: Date;
  leftAt: Date | null;
  leaveReason: string | null;
  createdAt: Date;
}

export const PARTICIPANT_SELECT = {
  id: true, tenantId: true, conferenceId: true, callId: true, status: true, muted: true, onHold: true, joinedAt: true, leftAt: true, leaveReason: true, createdAt: true,
} as const;

/** Locks the tenant's conference row (every change to it or its participants holds this lock). */
export async function lockConference(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<ConferenceView> {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM conferences WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE`;
  const found = locked ? await tx.conference.findUnique({ where: { id }, select: CONFERENCE_SELECT }) : null;
  if (!found) throw new ApiError('conference_not_found', 'Conference not found');
  return found;
}

export function requireActive(conference: ConferenceView, action: string): void {
  if (conference.status === 'ended') throw new ApiError('conference_action_invalid', `${action} needs an active conference; this one ended (${conference.endReason ?? 'ended'})`);
}

export function conferenceData(c: ConferenceView) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    max_participants: c.maxParticipants,
    end_when_empty: c.endWhenEmpty,
    ended_at: c.endedAt,
    end_reason: c.endReason,
    created_at: c.createdAt,
  };
}

export function participantData(p: ParticipantView) {
  return { id: p.id, call_id: p.callId, status: p.status, muted: p.muted, on_hold: p.onHold, joined_at: p.joinedAt, left_at: p.leftAt, leave_reason: p.leaveReason };
}

/** Records a conference.* event in the change's transaction and publishes conferenceChanged once it commits. */
export async function announce(tx: Prisma.TransactionClient, deps: ServiceDeps, type: EventType, conference: ConferenceView, at: Date, participant?: ParticipantView): Promise<RecordedEvent> {
  const event = await recordEvent(tx, {
    tenantId: conference.tenantId,
    type,
    resourceType: 'conference',
    resourceId: conference.id,
    occurredAt: at,
    data: { ...conferenceData(conference), ...(participant ? { participant: participantData(participant) } : {}) },
  });
  // Built in the after-commit hook that publishes it, so committedAt is when the change committed.
  afterCommit(tx, () => {
    const change: ConferenceChange = {
      tenantId: conference.tenantId,
      conferenceId: conference.id,
      participantId: participant?.id ?? null,
      eventId: event.id,
      eventType: event.type,
      sequence: event.sequence,
      occurredAt: at.toISOString(),
      committedAt: new Date().toISOString(),
    };
    deps.pubSub.publish('CONFERENCE_CHANGED', conference.tenantId, change);
  });
  return event;
}

/** The participant's leave: row, event, audit. The conference must be locked by the caller. */
export async function markLeft(tx: Prisma.TransactionClient, deps: ServiceDeps, actor: Actor, conference: ConferenceView, participant: ParticipantView, reason: 'kicked' | 'hangup' | 'conference_ended', at: Date): Promise<ParticipantView> {
  const left = await tx.conferenceParticipant.update({ where: { id: participant.id }, data: { status: 'left', leftAt: at, leaveReason: reason }, select: PARTICIPANT_SELECT });
  await announce(tx, deps, 'conference.participant.left', conference, at, left);
  await recordAudit(tx, actor, {
    action: 'conference.participant_left',
    resourceType: 'conference_participant',
    resourceId: participant.id,
    before: { status: 'joined' },
    after: { status: 'left', conference_id: conference.id, call_id: participant.callId, reason },
  });
  return left;
}

/** Ends the locked conference: every participant still joined leaves first, then conference.ended. */
export async function markEnded(tx: Prisma.TransactionClient, deps: ServiceDeps, actor: Actor, conference: ConferenceView, reason: 'requested' | 'last_participant_left', at: Date): Promise<ConferenceView> {
  const joined = await tx.conferenceParticipant.findMany({ where: { conferenceId: conference.id, status: 'joined' }, orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }], select: PARTICIPANT_SELECT });
  for (const p of joined) await markLeft(tx, deps, actor, conference, p, 'conference_ended', at);
  const ended = await tx.conference.update({ where: { id: conference.id }, data: { status: 'ended', endedAt: at, endReason: reason }, select: CONFERENCE_SELECT });
  await announce(tx, deps, 'conference.ended', ended, at);
  await recordAudit(tx, actor, { action: 'conference.ended', resourceType: 'conference', resourceId: conference.id, before: { status: 'active' }, after: { status: 'ended', reason } });
  return ended;
}
