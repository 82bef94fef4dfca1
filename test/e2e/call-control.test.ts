import { ACTION_FEE_CENTS } from '../../src/calls/action-fees';
import { CarrierSimulator } from '../../src/carrier';
import { gql, rest, TestGateway, TestTenant } from '../helpers/gateway';
import { eventually, SimulatedCallsGateway, startSimulatedCallsGateway, tenantWithDid } from '../helpers/simulated-calls';

// Call control and recordings over real HTTP: the action routes' shapes and codes, idempotent billable actions,
// the recording resource and its audio download, tenant isolation.

let rig: SimulatedCallsGateway;
let gw: TestGateway;
let sim: CarrierSimulator;

beforeEach(async () => {
  rig = await startSimulatedCallsGateway({ seed: 'call-control-e2e', timeScale: 0.01 });
  ({ gw, sim } = rig);
});

afterEach(() => rig.close());

const tenant = (did: string): Promise<TestTenant> => tenantWithDid(gw.prisma, gw.pubSub, { did, balanceCents: 10_000n });

async function answered(t: TestTenant, from: string, to: string): Promise<string> {
  sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from, to } });
  expect(placed.status).toBe(201);
  await eventually(async () => (await rest(gw.url, 'GET', `/v1/calls/${placed.body.id}`, { key: t.key })).body.status === 'answered');
  return placed.body.id;
}

const action = (t: TestTenant, id: string, name: string, body?: unknown, headers?: Record<string, string>) =>
  rest(gw.url, 'POST', `/v1/calls/${id}/actions/${name}`, { key: t.key, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });

describe('call control over /v1', () => {
  it('actions answer the call with its recordings and media; spec codes and statuses; a retried start is charged once', async () => {
    const t = await tenant('+15125550100');
    const id = await answered(t, '+15125550100', '+15125550610');

    const start = await action(t, id, 'streaming_start', { stream_url: 'wss://media.example.com/a', track: 'both' }, { 'Idempotency-Key': 'stream-1' });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ id, status: 'answered', bridged_call_id: null, recordings: [] });
    expect(start.body.media).toEqual([expect.objectContaining({ kind: 'stream', name: 'default', status: 'active', fee_cents: Number(ACTION_FEE_CENTS.streaming), params: { stream_id: 'default', stream_url: 'wss://media.example.com/a', track: 'both' } })]);
    const replay = await action(t, id, 'streaming_start', { stream_url: 'wss://media.example.com/a', track: 'both' }, { 'Idempotency-Key': 'stream-1' });
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'action_fee' } })).toBe(1);

    const again = await action(t, id, 'streaming_start', { stream_url: 'wss://media.example.com/a' });
    expect([again.status, again.body.error.code]).toEqual([409, 'streaming_already_active']);
    const unknown = await action(t, id, 'streaming_stop', { stream_id: 'other' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'streaming_not_found']);
    expect((await action(t, id, 'streaming_stop')).status).toBe(200);
    const bad = await action(t, id, 'streaming_start', { stream_url: 'wss://media.example.com/a', bogus: 1 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);

    expect((await action(t, id, 'transcription_start')).status).toBe(200);
    expect((await action(t, id, 'transcription_start', { language: 'en-GB' })).body.error.code).toBe('transcription_already_active');
    expect((await action(t, id, 'transcription_stop')).status).toBe(200);
    const notActive = await action(t, id, 'transcription_stop');
    expect([notActive.status, notActive.body.error.code]).toEqual([409, 'transcription_not_active']);

    const stopNothing = await action(t, id, 'record_stop');
    expect([stopNothing.status, stopNothing.body.error.code]).toEqual([409, 'recording_already_stopped']);

    const other = await answered(t, '+15125550100', '+15125550611');
    const bridged = await action(t, id, 'bridge', { call_id: other });
    expect([bridged.status, bridged.body.bridged_call_id]).toEqual([200, other]);

    expect((await action(t, id, 'hangup')).body.status).toBe('completed');
    const ended = await action(t, id, 'gather', { max_digits: 3 });
    expect([ended.status, ended.body.error.code]).toEqual([409, 'call_already_ended']);

    // Another tenant: the call is 404 not_found.
    const stranger = await tenant('+15125550101');
    const foreign = await action(stranger, other, 'record_start');
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'not_found']);
  });

  it('a stream_url into the gateway’s own network is refused (SSRF), and nothing starts or is charged', async () => {
    const t = await tenant('+15125550100');
    const id = await answered(t, '+15125550100', '+15125550611');
    for (const streamUrl of ['ws://127.0.0.1:9000/media', 'wss://169.254.169.254/latest', 'wss://[::1]/x', 'wss://media.localhost/x', 'wss://user:pw@media.example.com/a']) {
      const refused = await action(t, id, 'streaming_start', { stream_url: streamUrl });
      expect([streamUrl, refused.status, refused.body.error.code]).toEqual([streamUrl, 400, 'invalid_request']);
      expect(refused.body.error.message).toMatch(/^stream_url (points|resolves|must not)/);
    }
    expect(await gw.prisma.callMediaSession.count({ where: { callId: id } })).toBe(0);
    expect(await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'action_fee' } })).toBe(0);
    expect((await action(t, id, 'streaming_start', { stream_url: 'wss://media.example.com/a' })).status).toBe(200);
  });

  it('recordings: listed, read, 409 recording_not_ready until available, then a WAV download; deleted; tenant-isolated', async () => {
    const t = await tenant('+15125550100');
    const id = await answered(t, '+15125550100', '+15125550620');
    const started = await action(t, id, 'record_start', { channels: 'single' });
    expect(started.status).toBe(200);
    const recId = started.body.recordings[0].id;
    expect(started.body.recordings[0]).toMatchObject({ call_id: id, status: 'recording', channels: 'single', download_url: null });

    const early = await rest(gw.url, 'GET', `/v1/recordings/${recId}/download`, { key: t.key });
    expect([early.status, early.body.error.code]).toEqual([409, 'recording_not_ready']);

    await new Promise((r) => setTimeout(r, 30));
    expect((await action(t, id, 'record_stop')).body.recordings[0].status).toBe('processing');
    const ready = await eventually(async () => {
      const r = await rest(gw.url, 'GET', `/v1/recordings/${recId}`, { key: t.key });
      return r.body.status === 'available' ? r : null;
    });
    expect(ready.body).toMatchObject({ id: recId, call_id: id, content_type: 'audio/wav', download_url: `/v1/recordings/${recId}/download` });

    const download = await fetch(`${gw.url}/v1/recordings/${recId}/download`, { headers: { authorization: `Bearer ${t.key}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect([bytes.toString('ascii', 0, 4), bytes.toString('ascii', 8, 12)]).toEqual(['RIFF', 'WAVE']);
    expect(bytes.length).toBe(ready.body.size_bytes);
    const cached = await fetch(`${gw.url}/v1/recordings/${recId}/download`, { headers: { authorization: `Bearer ${t.key}`, 'if-none-match': download.headers.get('etag')! } });
    expect(cached.status).toBe(304);

    const list = await rest(gw.url, 'GET', `/v1/recordings?call_id=${id}&status=available`, { key: t.key });
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([recId]);
    const gq = await gql(gw.url, 'query($id: ID!) { recording(id: $id) { id status sizeBytes } }', { key: t.key, variables: { id: recId } });
    expect(gq.body.data.recording).toMatchObject({ id: recId, status: 'available' });

    const stranger = await tenant('+15125550101');
    for (const [method, path] of [['GET', `/v1/recordings/${recId}`], ['GET', `/v1/recordings/${recId}/download`], ['DELETE', `/v1/recordings/${recId}`]] as const) {
      const r = await rest(gw.url, method, path, { key: stranger.key });
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 404, 'not_found']);
    }
    expect((await rest(gw.url, 'GET', '/v1/recordings', { key: stranger.key })).body.data).toEqual([]);

    const deleted = await rest(gw.url, 'DELETE', `/v1/recordings/${recId}`, { key: t.key });
    expect([deleted.status, deleted.body.id]).toEqual([200, recId]);
    expect((await rest(gw.url, 'GET', `/v1/recordings/${recId}`, { key: t.key })).status).toBe(404);
  });
});
