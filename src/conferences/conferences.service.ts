import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { requireCallCarrier } from '../calls/calls.service';
import { ConferenceParticipantStatus, ConferenceStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { announce, CONFERENCE_SELECT, ConferenceView, lockConference, markEnded, PARTICIPANT_SELECT, ParticipantView, requireActive } from './conferences.events';

// Conferences: a room the tenant's answered calls join (conferences.participants.ts). A conference is active from
// its creation until it ends: explicitly (endConference), or — when created with end_when_empty, the default, as
// Telnyx and Twilio rooms do — once its last participant leaves. Every change holds the conference's row lock, so
// the participant cap and the state rules hold under concurrency, and tells the carrier last, inside the
// transaction: when the carrier refuses (502 upstream_error), nothing was changed.

/** Participants a conference admits when the creator names no cap, and the most it may name. */
export const DEFAULT_MAX_PARTICIPANTS = 10;
export const MAX_MAX_PARTICIPANTS = 100;
const MAX_NAME_LENGTH = 100;

export interface CreateConferenceInput {
  name?: string | null;
  maxParticipants?: number | null;
  endWhenEmpty?: boolean | null;
}

export async function createConference(deps: ServiceDeps, actor: Actor, input: CreateConferenceInput): Promise<ConferenceView> {
  requireScope(actor, 'calls:write');
  const name = input.name?.trim() || null;
  if (name && name.length > MAX_NAME_LENGTH) throw invalidRequest(`name must be at most ${MAX_NAME_LENGTH} characters`, 'name');
  const maxParticipants = input.maxParticipants ?? DEFAULT_MAX_PARTICIPANTS;
  if (!Number.isInteger(maxParticipants) || maxParticipants < 2 || maxParticipants > MAX_MAX_PARTICIPANTS) {
    throw invalidRequest(`max_participants must be a whole number between 2 and ${MAX_MAX_PARTICIPANTS}`, 'max_participants');
  }
  const endWhenEmpty = input.endWhenEmpty ?? true;
  const id = randomUUID();
  return inTransaction(deps.db, async (tx) => {
    // The room is opened first (idempotent per id): its id is part of the row. Should the commit fail after it,
    // an empty room nobody can reach is left upstream, and nothing here.
    const { upstreamConferenceId } = await openRoom(deps, id, endWhenEmpty);
    const at = deps.clock.now();
    const conference = await tx.conference.create({
      data: { id, tenantId: actor.tenantId, name, maxParticipants, endWhenEmpty, upstreamConferenceId, createdAt: at },
      select: CONFERENCE_SELECT,
    });
    await announce(tx, deps, 'conference.created', conference, at);
    await recordAudit(tx, actor, { action: 'conference.created', resourceType: 'conference', resourceId: id, after: { name, max_participants: maxParticipants, end_when_empty: endWhenEmpty } });
    return conference;
  });
}

function openRoom(deps: ServiceDeps, id: string, endWhenEmpty: boolean): Promise<{ upstreamConferenceId: string }> {
  return requireCallCarrier(deps).conference(id, { type: 'create', endWhenEmpty });
}

export async function getConference(deps: ServiceDeps, actor: Actor, id: string): Promise<ConferenceView> {
  requireScope(actor, 'calls:read');
  const found = isUuid(id) ? await deps.db.conference.findFirst({ where: { id, tenantId: actor.tenantId }, select: CONFERENCE_SELECT }) : null;
  if (!found) throw new ApiError('conference_not_found', 'Conference not found');
  return found;
}

/** The tenant's conferences, newest first (GET /v1/conferences, the `conferences` connection). */
export async function listConferences(deps: ServiceDeps, actor: Actor, filter: { status?: ConferenceStatus | null }, page: PageArgs): Promise<Page<ConferenceView>> {
  requireScope(actor, 'calls:read');
  return paginate(page, (take, cursor) =>
    deps.db.conference.findMany({
      where: { tenantId: actor.tenantId, ...(filter.status ? { status: filter.status } : {}), ...cursor },
      orderBy: NEWEST_FIRST,
      take,
      select: CONFERENCE_SELECT,
    }),
  );
}

/** A conference's participants, in the order they joined (every stay: a call that rejoined shows twice). */
export async function listParticipants(deps: ServiceDeps, actor: Actor, conferenceId: string, filter: { status?: ConferenceParticipantStatus | null } = {}): Promise<ParticipantView[]> {
  const conference = await getConference(deps, actor, conferenceId);
  return deps.db.conferenceParticipant.findMany({
    where: { conferenceId: conference.id, tenantId: actor.tenantId, ...(filter.status ? { status: filter.status } : {}) },
    orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
    select: PARTICIPANT_SELECT,
  });
}

/** Ends the conference: every participant leaves (their calls stay up), then conference.ended. */
export async function endConference(deps: ServiceDeps, actor: Actor, id: string): Promise<ConferenceView> {
  requireScope(actor, 'calls:write');
  const conference = await getConference(deps, actor, id);
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockConference(tx, actor.tenantId, conference.id);
    requireActive(locked, 'end');
    const ended = await markEnded(tx, deps, actor, locked, 'requested', deps.clock.now());
    await requireCallCarrier(deps).conference(conference.id, { type: 'end' });
    return ended;
  });
}
