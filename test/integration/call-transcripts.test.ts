import { callAction } from '../../src/calls/calls.actions';
import { startMediaProgress } from '../../src/calls/calls.media-progress';
import { startCallProgress } from '../../src/calls/calls.progress';
import { placeCall } from '../../src/calls/calls.service';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { partialOf, simulatedUtterance } from '../../src/carrier/transcript';
import { ServiceDeps } from '../../src/platform/service-deps';
import { callsActor as actorOf, waitFor as waitUntil } from '../helpers/call-services';
import { fundedTenant, serviceDeps } from '../helpers/services';

// Transcription produces text: the simulator "hears" deterministic utterances, each a partial result then the
// final text, and the gateway records each as a call.transcription event (webhooks, eventRecorded) while the
// transcription runs, and none after it stopped. (test/e2e/call-transcripts.test.ts: the same over the APIs.)

const FROM = '+15125550100';
const SEED = 'transcripts-test';
let deps: ServiceDeps & { prisma: Awaited<ReturnType<typeof serviceDeps>>['prisma']; close(): Promise<void> };
let sim: CarrierSimulator;
let stops: (() => void)[] = [];

beforeEach(async () => {
  const base = await serviceDeps({ poolSize: 10 });
  sim = createCarrierSimulator({ seed: SEED, timeScale: 0.01 });
  deps = { ...base, callCarrier: callCarrierFrom(sim), callHoldEstimateMinutes: 10 };
  const fail = (err: unknown) => {
    throw err;
  };
  stops = [startCallProgress(deps, fail), startMediaProgress(deps, fail)];
}, 120_000);

afterEach(async () => {
  stops.forEach((s) => s());
  sim.close();
  await new Promise((r) => setTimeout(r, 200));
  await deps.close();
}, 120_000);

const waitFor = <T>(fn: () => Promise<T | null | undefined | false>) => waitUntil(fn, 15_000);

it('a running transcription yields partial then final text per utterance, deterministic, and stops with it', async () => {
  const tenantId = await fundedTenant(deps, 10_000n);
  await deps.prisma.phoneNumber.create({
    data: { tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
  sim.controls.scriptNextCall('+15125550177', { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to: '+15125550177' });
  await waitFor(async () => (await deps.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'answered');
  await callAction(deps, actorOf(tenantId), call.id, 'transcription_start', { language: 'en-GB' });
  const session = await deps.prisma.callMediaSession.findFirstOrThrow({ where: { callId: call.id, kind: 'transcription' } });

  const transcripts = () => deps.prisma.event.findMany({ where: { resourceId: call.id, type: 'call.transcription' }, orderBy: { sequence: 'asc' } });
  await waitFor(async () => (await transcripts()).length >= 4);
  await callAction(deps, actorOf(tenantId), call.id, 'transcription_stop');
  const atStop = (await transcripts()).length;
  await new Promise((r) => setTimeout(r, 300)); // ~15 more steps, were it still running
  const all = await transcripts();
  expect(all).toHaveLength(atStop);

  const data = all.map((e) => e.data as { media_id: string; language: string; utterance: number; speaker: string; text: string; is_final: boolean });
  data.forEach((d, k) => {
    const expected = simulatedUtterance(SEED, session.id, Math.floor(k / 2));
    expect(d).toEqual({
      call_id: call.id, media_id: session.id, language: 'en-GB', utterance: Math.floor(k / 2), speaker: expected.speaker,
      is_final: k % 2 === 1, text: k % 2 === 1 ? expected.text : partialOf(expected.text),
    });
  });
  expect(data.slice(0, 4).map((d) => d.speaker)).toEqual(['callee', 'callee', 'caller', 'caller']);
  expect(data[1].text).toMatch(/^[A-Z].+\.$/);
  // After the stop event in the call's own sequence, nothing more.
  const stopped = await deps.prisma.event.findFirstOrThrow({ where: { resourceId: call.id, type: 'call.transcription.stopped' } });
  expect(all.every((e) => e.sequence < stopped.sequence)).toBe(true);
}, 120_000);
