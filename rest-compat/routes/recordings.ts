import { queryInt, queryString, restList, RestRoute, toSnake } from '../route';

// Recordings of the tenant's calls. The audio itself is GET /recordings/{id}/download (recordings-http.ts): bytes,
// not a GraphQL operation.
const RECORDING_FIELDS = 'id callId status channels startedAt stoppedAt availableAt durationMs contentType sizeBytes sha256 downloadUrl failureReason createdAt';

export const recordingRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/recordings',
    summary: 'The tenant’s recordings, newest first, cursor-paginated (filter by call_id, status)',
    document: `query Recordings($callId: ID, $status: RecordingStatus, $first: Int, $after: String) {
      recordings(callId: $callId, status: $status, first: $first, after: $after) { nodes { ${RECORDING_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({
      callId: queryString(req, 'call_id'),
      status: queryString(req, 'status'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => restList(data.recordings as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/recordings/:id',
    summary: 'One recording (its audio: /recordings/{id}/download once available)',
    document: `query Recording($id: ID!) { recording(id: $id) { ${RECORDING_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.recording),
  },
  {
    method: 'DELETE',
    path: '/recordings/:id',
    summary: 'Delete a recording and its audio (409 conflict while it is still recording)',
    document: `mutation DeleteRecording($id: ID!) { deleteRecording(id: $id) { ${RECORDING_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.deleteRecording),
  },
];
