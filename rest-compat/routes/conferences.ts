import { PARTICIPANT_ACTIONS } from '../../src/conferences/conferences.participants';
import { queryInt, queryString, restList, RestRoute, toSnake } from '../route';

// The Conference resource, shaped like call control: POST /conferences/{id}/actions/end ends the conference, and
// each participant action of the conferences domain's PARTICIPANT_ACTIONS table is
// POST /conferences/{id}/participants/{participant_id}/actions/<action>, running its mutation.
const PARTICIPANT_FIELDS = 'id conferenceId callId status muted onHold joinedAt leftAt leaveReason';
const CONFERENCE_FIELDS = 'id name status maxParticipants endWhenEmpty createdAt endedAt endReason';
const CONFERENCE_DETAIL = `${CONFERENCE_FIELDS} participants { ${PARTICIPANT_FIELDS} }`;

/** Each participant action's mutation; an action missing here fails typecheck (the record is total). */
export const PARTICIPANT_ACTION_MUTATIONS: Record<keyof typeof PARTICIPANT_ACTIONS, string> = {
  mute: 'muteConferenceParticipant',
  unmute: 'unmuteConferenceParticipant',
  hold: 'holdConferenceParticipant',
  unhold: 'unholdConferenceParticipant',
  kick: 'kickConferenceParticipant',
};

const participantActionRoutes: RestRoute[] = Object.entries(PARTICIPANT_ACTION_MUTATIONS).map(([action, mutation]) => ({
  method: 'POST',
  path: `/conferences/:id/participants/:participant_id/actions/${action}`,
  summary: `Conference participant: ${action}`,
  document: `mutation ParticipantAction($conferenceId: ID!, $participantId: ID!) { ${mutation}(conferenceId: $conferenceId, participantId: $participantId) { ${PARTICIPANT_FIELDS} } }`,
  variables: (req) => ({ conferenceId: req.params.id, participantId: req.params.participant_id }),
  shape: (data) => toSnake(data[mutation]),
}));

export const conferenceRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/conferences',
    summary: 'Open a conference (max_participants 2–100, default 10; end_when_empty default true)',
    document: `mutation CreateConference($input: CreateConferenceInput) { createConference(input: $input) { ${CONFERENCE_DETAIL} } }`,
    bodyInput: 'CreateConferenceInput',
    bodyOptional: true,
    shape: (data) => toSnake(data.createConference),
    status: 201,
  },
  {
    method: 'GET',
    path: '/conferences',
    summary: 'The tenant’s conferences, newest first, cursor-paginated (filter by status)',
    document: `query Conferences($status: ConferenceStatus, $first: Int, $after: String) {
      conferences(status: $status, first: $first, after: $after) { nodes { ${CONFERENCE_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({
      status: queryString(req, 'status'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => restList(data.conferences as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/conferences/:id',
    summary: 'One conference, with its participants',
    document: `query Conference($id: ID!) { conference(id: $id) { ${CONFERENCE_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.conference),
  },
  {
    method: 'POST',
    path: '/conferences/:id/participants',
    summary: 'Add an answered call of the tenant as a participant (409 conference_full at the cap)',
    document: `mutation AddConferenceParticipant($conferenceId: ID!, $input: AddConferenceParticipantInput!) { addConferenceParticipant(conferenceId: $conferenceId, input: $input) { ${PARTICIPANT_FIELDS} } }`,
    bodyInput: 'AddConferenceParticipantInput',
    variables: (req) => ({ conferenceId: req.params.id }),
    shape: (data) => toSnake(data.addConferenceParticipant),
    status: 201,
  },
  {
    method: 'GET',
    path: '/conferences/:id/participants',
    summary: 'A conference’s participants in the order they joined (filter by status)',
    document: `query ConferenceParticipants($conferenceId: ID!, $status: ConferenceParticipantStatus) { conferenceParticipants(conferenceId: $conferenceId, status: $status) { ${PARTICIPANT_FIELDS} } }`,
    variables: (req) => ({ conferenceId: req.params.id, status: queryString(req, 'status') }),
    // Never more than max_participants joined, and every stay fits one page: the list is whole, next_cursor null.
    shape: (data) => ({ data: toSnake(data.conferenceParticipants), meta: { next_cursor: null } }),
  },
  {
    method: 'POST',
    path: '/conferences/:id/actions/end',
    summary: 'End the conference: every participant leaves, their calls stay up',
    document: `mutation EndConference($id: ID!) { endConference(id: $id) { ${CONFERENCE_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.endConference),
  },
  ...participantActionRoutes,
];
