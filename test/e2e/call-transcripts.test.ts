import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { partialOf, simulatedUtterance } from '../../src/carrier/transcript';
import { credit } from '../../src/billing/ledger.service';
import { createTestTenant, rest, servicesOf, startTestGateway, TestGateway } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';

// Transcript text reaches the tenant as call.transcription events: over the eventRecorded subscription (and the
// webhooks, which carry every event type) while the transcription runs.

const FROM = '+15125550100';
const SEED = 'transcripts-e2e';
let gw: TestGateway;
let sim: CarrierSimulator;

beforeEach(async () => {
  sim = createCarrierSimulator({ seed: SEED, timeScale: 0.01 });
  gw = await startTestGateway({}, { callCarrier: callCarrierFrom(sim) });
});

afterEach(async () => {
  await gw.close();
  sim.close();
});

it('a subscriber to eventRecorded(types: ["call.transcription"]) receives the call’s text, partial then final', async () => {
  const t = await createTestTenant(gw.prisma);
  await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });
  await gw.prisma.phoneNumber.create({
    data: { tenantId: t.tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
  sim.controls.scriptNextCall('+15125550178', { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to: '+15125550178' } });
  for (let i = 0; i < 500 && (await gw.prisma.call.findUniqueOrThrow({ where: { id: placed.body.id } })).status !== 'answered'; i++) await new Promise((r) => setTimeout(r, 20));

  const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
  const sub = collect<{ data: { eventRecorded: { type: string; resourceId: string; data: { media_id: string; text: string; is_final: boolean; utterance: number } } } }>(
    client,
    'subscription { eventRecorded(types: ["call.transcription"]) { type resourceId data } }',
    2,
    30_000,
  );
  await gw.untilSubscribed('EVENT_RECORDED', t.tenantId);
  const started = await rest(gw.url, 'POST', `/v1/calls/${placed.body.id}/actions/transcription_start`, { key: t.key, body: { language: 'en-US' } });
  expect(started.status).toBe(200);
  const mediaId = started.body.media.find((m: { kind: string }) => m.kind === 'transcription').id as string;
  const [partial, final] = (await sub.done).map((e) => e.data.eventRecorded);
  const heard = simulatedUtterance(SEED, mediaId, 0);
  expect(partial).toMatchObject({ type: 'call.transcription', resourceId: placed.body.id, data: { media_id: mediaId, utterance: 0, is_final: false, text: partialOf(heard.text) } });
  expect(final).toMatchObject({ type: 'call.transcription', resourceId: placed.body.id, data: { media_id: mediaId, utterance: 0, is_final: true, text: heard.text } });
  await rest(gw.url, 'POST', `/v1/calls/${placed.body.id}/actions/hangup`, { key: t.key });
  await client.dispose();
});
