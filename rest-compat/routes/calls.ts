import { CALL_ACTIONS } from '../../src/calls/calls.actions';
import { queryInstant, queryInt, queryPhoneNumber, queryString, restList, RestRoute, toSnake } from '../route';

// The Call resource: Telnyx/Twilio-like paths. Call control is POST /calls/{id}/actions/<action>, one route per
// action of the calls domain's CALL_ACTIONS table, each running its mutation.
const CALL_FIELDS = `id direction from to status connectionId phoneNumberId destinationCountry timeoutSecs answeringMachineDetection record amdResult
  hangupCause hangupSource queuedAt initiatedAt ringingAt answeredAt endedAt billableSeconds includedSeconds chargeCents screening`;
const CALL_DETAIL = `${CALL_FIELDS} bridgedCallId bridgedAt
  recordings { id status channels startedAt stoppedAt availableAt durationMs contentType sizeBytes sha256 downloadUrl failureReason createdAt }
  media { id kind name status params result feeCents startedAt stoppedAt stopReason }
  charge { ledgerEntryId amountCents balanceAfterCents description createdAt }
  events { fromStatus toStatus eventId eventType sequence occurredAt }`;

const RECORDING_FIELDS = 'id callId status channels startedAt stoppedAt availableAt durationMs contentType sizeBytes sha256 downloadUrl failureReason createdAt';
const MEDIA_FIELDS = 'id kind name status params result feeCents startedAt stoppedAt stopReason';
const CALL_CONTROL_FIELDS = `${CALL_FIELDS} bridgedCallId bridgedAt recordings { ${RECORDING_FIELDS} } media { ${MEDIA_FIELDS} }`;

interface ActionMutation {
  mutation: string;
  /** The GraphQL input type of the action's JSON body; none for actions without parameters. */
  input?: string;
  /** The body may be left out (every field has a default). */
  optional?: boolean;
}

/** Each action's mutation; an action missing here fails the test that compares this table with CALL_ACTIONS. */
export const ACTION_MUTATIONS: Record<keyof typeof CALL_ACTIONS, ActionMutation> = {
  hangup: { mutation: 'hangupCall' },
  bridge: { mutation: 'bridgeCall', input: 'BridgeCallInput' },
  record_start: { mutation: 'startCallRecording', input: 'StartCallRecordingInput', optional: true },
  record_stop: { mutation: 'stopCallRecording' },
  streaming_start: { mutation: 'startCallStreaming', input: 'StartCallStreamingInput' },
  streaming_stop: { mutation: 'stopCallStreaming', input: 'StopCallStreamingInput', optional: true },
  transcription_start: { mutation: 'startCallTranscription', input: 'StartCallTranscriptionInput', optional: true },
  transcription_stop: { mutation: 'stopCallTranscription' },
  gather: { mutation: 'gatherCallDigits', input: 'GatherCallInput', optional: true },
  answer: { mutation: 'answerCall' },
  reject: { mutation: 'rejectCall', input: 'RejectCallInput', optional: true },
};

const actionRoutes: RestRoute[] = Object.entries(ACTION_MUTATIONS).map(([action, { mutation, input, optional }]) => ({
  method: 'POST',
  path: `/calls/:id/actions/${action}`,
  summary: `Call control: ${action}`,
  document: input
    ? `mutation CallAction($id: ID!, $input: ${input}${optional ? '' : '!'}) { ${mutation}(id: $id, input: $input) { ${action === 'hangup' ? CALL_FIELDS : CALL_CONTROL_FIELDS} } }`
    : `mutation CallAction($id: ID!) { ${mutation}(id: $id) { ${action === 'hangup' ? CALL_FIELDS : CALL_CONTROL_FIELDS} } }`,
  ...(input ? { bodyInput: input, bodyOptional: optional } : {}),
  variables: (req) => ({ id: req.params.id }),
  shape: (data) => toSnake(data[mutation]),
}));

export const callRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/calls',
    summary: 'Place an outbound call (every check first; a credit hold for the estimate; then the carrier dials)',
    document: `mutation PlaceCall($input: PlaceCallInput!) { placeCall(input: $input) { ${CALL_FIELDS} } }`,
    bodyInput: 'PlaceCallInput',
    shape: (data) => toSnake(data.placeCall),
    status: 201,
  },
  {
    method: 'POST',
    path: '/calls/preflight',
    summary: 'Run every check of placing a call without dialling: pass, or the code each would fail with, and the price per minute',
    document: `query CallPreflight($input: CallPreflightInput!) {
      callPreflight(input: $input) { passed code checks { check passed code message } destinationCountry pricePerMinuteCents holdCents }
    }`,
    bodyInput: 'CallPreflightInput',
    shape: (data) => toSnake(data.callPreflight),
  },
  {
    method: 'GET',
    path: '/calls',
    summary: 'The tenant’s calls, newest first, cursor-paginated',
    document: `query Calls($status: CallStatus, $direction: CallDirection, $from: String, $to: String, $placedAfter: DateTimeISO, $placedBefore: DateTimeISO, $first: Int, $after: String) {
      calls(status: $status, direction: $direction, from: $from, to: $to, placedAfter: $placedAfter, placedBefore: $placedBefore, first: $first, after: $after) {
        nodes { ${CALL_FIELDS} }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    variables: (req) => ({
      status: queryString(req, 'status'),
      direction: queryString(req, 'direction'),
      from: queryPhoneNumber(req, 'from'),
      to: queryPhoneNumber(req, 'to'),
      placedAfter: queryInstant(req, 'placed_after'),
      placedBefore: queryInstant(req, 'placed_before'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => restList(data.calls as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/calls/:id',
    summary: 'One call, with its status changes (events) and its charge',
    document: `query Call($id: ID!) { call(id: $id) { ${CALL_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.call),
  },
  ...actionRoutes,
  {
    // Test mode (like Stripe's test helpers): the simulated carrier plays a caller. Not a carrier operation.
    method: 'POST',
    path: '/test-helpers/inbound-calls',
    summary: 'Test mode: the simulated carrier rings one of your active numbers; answers the inbound call it recorded',
    document: `mutation SimulateInboundCall($input: SimulateInboundCallInput!) { simulateInboundCall(input: $input) { ${CALL_FIELDS} } }`,
    bodyInput: 'SimulateInboundCallInput',
    shape: (data) => toSnake(data.simulateInboundCall),
    status: 201,
  },
];
