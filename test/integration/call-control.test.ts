import { callAction } from '../../src/calls/calls.actions';
import { placeCall } from '../../src/calls/calls.service';
import { ACTION_FEE_CENTS } from '../../src/calls/action-fees';
import { debit } from '../../src/billing/ledger.service';
import { CarrierSimulator } from '../../src/carrier';
import { ApiError } from '../../src/platform/errors';
import { ServiceDeps } from '../../src/platform/service-deps';
import { deleteRecording, recordingAudio } from '../../src/recordings/recordings.service';
import { BaseDeps, callsActor as actorOf, codeOf, FROM, SimulatedCarriers, waitFor } from '../helpers/call-services';
import { fundedTenant } from '../helpers/services';

// Call control against real Postgres and the carrier simulator (compressed time): each action's state rule, its
// spec code, its fee (once, and never when refused), its event and audit row. Races use separate connections.

let carriers: SimulatedCarriers;
let base: BaseDeps;

beforeEach(async () => {
  carriers = await SimulatedCarriers.open({ poolSize: 20, seed: 'call-control-test', settleMs: 300 });
  base = carriers.base;
});

// Carrier events already handed over may still be applying: close() lets them finish before the next test truncates.
afterEach(() => carriers.close());

const withCarrier = (timeScale = 0.01): { deps: ServiceDeps; sim: CarrierSimulator } => carriers.withCarrier({ timeScale, mediaReports: true });
const tenantWithDid = (balanceCents?: bigint) => carriers.tenantWithDid(balanceCents);

async function errorOf(p: Promise<unknown>): Promise<ApiError | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

let nextTo = 200;
/** A call that answers at once and talks for an hour (simulated), placed and waited for until answered. */
async function answeredCall(deps: ServiceDeps, sim: CarrierSimulator, tenantId: string, from = FROM): Promise<string> {
  const to = `+1512555${String(nextTo++).padStart(4, '0')}`;
  sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const call = await placeCall(deps, actorOf(tenantId), { from, to });
  await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'answered');
  return call.id;
}

const eventsOf = async (callId: string, prefix = 'call.') =>
  (await base.prisma.event.findMany({ where: { resourceId: callId, type: { startsWith: prefix } }, orderBy: { sequence: 'asc' } })).map((e) => e.type);
const fees = (tenantId: string) => base.prisma.ledgerEntry.findMany({ where: { tenantId, kind: 'action_fee' }, orderBy: { createdAt: 'asc' } });

describe('the state rules every action shares', () => {
  it('an action before the answer is call_not_in_required_state naming the state; after the end, call_already_ended', async () => {
    const { deps, sim } = withCarrier(1);
    const tenantId = await tenantWithDid();
    const to = '+15125550301';
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 60, talkSeconds: 10 });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to, timeoutSecs: 120 });
    await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'ringing');
    for (const action of ['record_start', 'record_stop', 'streaming_start', 'streaming_stop', 'transcription_start', 'transcription_stop', 'gather', 'bridge'] as const) {
      const err = await errorOf(callAction(deps, actorOf(tenantId), call.id, action, { streamUrl: 'wss://media.example.com/a', callId: call.id }));
      expect(err).not.toBe('ok');
      expect([action, (err as ApiError).code]).toEqual([action, 'call_not_in_required_state']);
      expect((err as ApiError).message).toMatch(/needs the call to be answered; it is ringing/);
    }
    await callAction(deps, actorOf(tenantId), call.id, 'hangup');
    expect(await codeOf(callAction(deps, actorOf(tenantId), call.id, 'record_start'))).toBe('call_already_ended');
    expect(await codeOf(callAction(deps, actorOf(tenantId), call.id, 'streaming_start', { streamUrl: 'wss://media.example.com/a' }))).toBe('call_already_ended');
    // Nothing was charged, recorded or announced by any refused action.
    expect(await fees(tenantId)).toHaveLength(0);
    expect(await base.prisma.recording.count()).toBe(0);
    expect(await base.prisma.callMediaSession.count()).toBe(0);
    expect(await eventsOf(call.id)).toEqual(['call.initiated', 'call.ringing', 'call.hangup']);
    // Another tenant's call is not found, like a missing one.
    const other = await fundedTenant(base, 0n);
    expect(await codeOf(callAction(deps, actorOf(other), call.id, 'record_start'))).toBe('not_found');
  });
});

describe('recordings', () => {
  it('record_start → record_stop → processing → available with a real WAV; events, audit, recording_already_stopped', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    await callAction(deps, actorOf(tenantId), callId, 'record_start', { channels: 'dual' });
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'record_start'))).toBe('conflict');
    const [rec] = await base.prisma.recording.findMany({ where: { callId } });
    expect([rec.status, rec.channels, rec.tenantId]).toEqual(['recording', 'dual', tenantId]);
    expect(await codeOf(recordingAudio(deps, actorOf(tenantId), rec.id))).toBe('recording_not_ready');
    expect(await codeOf(deleteRecording(deps, actorOf(tenantId), rec.id))).toBe('conflict');
    await new Promise((r) => setTimeout(r, 50)); // ~5 s simulated
    await callAction(deps, actorOf(tenantId), callId, 'record_stop');
    // Stopped into processing (the row itself may already be available: the carrier takes 15 ms here).
    const stopped = await base.prisma.event.findFirstOrThrow({ where: { resourceId: callId, type: 'call.recording.stopped' } });
    expect(stopped.data).toMatchObject({ recording_id: rec.id, status: 'processing' });
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'record_stop'))).toBe('recording_already_stopped');

    const saved = await waitFor(async () => {
      const r = await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } });
      return r.status === 'available' ? r : null;
    });
    const audio = await recordingAudio(deps, actorOf(tenantId), rec.id);
    expect(audio.contentType).toBe('audio/wav');
    const wav = audio.content;
    expect([wav.toString('ascii', 0, 4), wav.toString('ascii', 8, 12), wav.toString('ascii', 36, 40)]).toEqual(['RIFF', 'WAVE', 'data']);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(24)).toBe(8000);
    const dataBytes = wav.readUInt32LE(40);
    expect(Math.abs(dataBytes - (saved.durationMs! * 8000) / 1000)).toBeLessThanOrEqual(1);
    expect(saved.durationMs).toBeGreaterThan(1000);
    expect(saved.sizeBytes).toBe(wav.length);

    expect(await eventsOf(callId, 'call.recording')).toEqual(['call.recording.started', 'call.recording.stopped', 'call.recording.saved']);
    const audits = (await base.prisma.auditEntry.findMany({ where: { resourceId: rec.id }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(audits).toEqual(['call.recording_started', 'call.recording_stopped', 'recording.saved']);
    // Recording is free: no fee.
    expect(await fees(tenantId)).toHaveLength(0);

    await deleteRecording(deps, actorOf(tenantId), rec.id);
    expect(await base.prisma.recording.count({ where: { id: rec.id } })).toBe(0);
    expect(await codeOf(recordingAudio(deps, actorOf(tenantId), rec.id))).toBe('not_found');
    expect(await eventsOf(callId, 'call.recording.deleted')).toEqual(['call.recording.deleted']);
  });

  it('a call hung up while recording and streaming stops both in its ending transaction; the audio still arrives', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    await callAction(deps, actorOf(tenantId), callId, 'record_start');
    await callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/s' });
    await callAction(deps, actorOf(tenantId), callId, 'gather', { maxDigits: 32, timeoutSecs: 120 });
    await callAction(deps, actorOf(tenantId), callId, 'hangup');
    const sessions = await base.prisma.callMediaSession.findMany({ where: { callId } });
    // The gather ends either with the call (call_ended) or, when the carrier's report of the hangup comes first,
    // as the carrier says (call_hangup): either way it is stopped and announced once.
    expect(sessions.map((s) => [s.kind, s.status, s.stopReason]).sort()).toEqual([['gather', 'stopped', expect.stringMatching(/^call_(ended|hangup)$/)], ['stream', 'stopped', 'call_ended']]);
    expect((await base.prisma.recording.findFirstOrThrow({ where: { callId } })).status).not.toBe('recording');
    const events = await eventsOf(callId);
    // Stopped before the hangup, in the call's own sequence; the gather ended once.
    expect(events.indexOf('call.hangup')).toBeGreaterThan(events.indexOf('call.recording.stopped'));
    expect(events.indexOf('call.hangup')).toBeGreaterThan(events.indexOf('call.streaming.stopped'));
    expect(events.filter((t) => t === 'call.gather.ended')).toHaveLength(1);
    await waitFor(async () => (await base.prisma.recording.findFirstOrThrow({ where: { callId } })).status === 'available');
    expect(await eventsOf(callId, 'call.recording.saved')).toHaveLength(1);
  });
});

describe('streams, transcription and gather: billed once when they start', () => {
  it('streaming: one fee per start, streaming_already_active for an active id, streaming_not_found for an unknown one', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    const before = (await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balanceCents;
    const after = await callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/a' });
    expect(after.status).toBe('answered');
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/b' }))).toBe('streaming_already_active');
    await callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/b', streamId: 'second', track: 'both' });
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_stop', { streamId: 'nope' }))).toBe('streaming_not_found');
    await callAction(deps, actorOf(tenantId), callId, 'streaming_stop');
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_stop'))).toBe('streaming_not_found');
    // Stopped, the id can be used again (a new start, a new fee).
    await callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/c' });

    const entries = await fees(tenantId);
    expect(entries.map((e) => [e.amountCents, e.referenceType, e.referenceId])).toEqual(Array(3).fill([-ACTION_FEE_CENTS.streaming, 'call', callId]));
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(t.balanceCents).toBe(before - 3n * ACTION_FEE_CENTS.streaming);
    const sessions = await base.prisma.callMediaSession.findMany({ where: { callId }, orderBy: { startedAt: 'asc' } });
    expect(sessions.every((s, i) => s.feeLedgerEntryId === entries[i].id)).toBe(true);
    expect(await eventsOf(callId, 'call.streaming')).toEqual(['call.streaming.started', 'call.streaming.started', 'call.streaming.stopped', 'call.streaming.started']);
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'https://not-a-websocket.example.com' }))).toBe('invalid_request');
  });

  it('transcription: transcription_already_active, transcription_not_active', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'transcription_stop'))).toBe('transcription_not_active');
    await callAction(deps, actorOf(tenantId), callId, 'transcription_start', { language: 'de' });
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'transcription_start'))).toBe('transcription_already_active');
    await callAction(deps, actorOf(tenantId), callId, 'transcription_stop');
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'transcription_stop'))).toBe('transcription_not_active');
    expect((await fees(tenantId)).map((e) => e.amountCents)).toEqual([-ACTION_FEE_CENTS.transcription]);
    // (Between the two, the transcript's own call.transcription events: test/integration/call-transcripts.test.ts.)
    expect(await eventsOf(callId, 'call.transcription.')).toEqual(['call.transcription.started', 'call.transcription.stopped']);
    const audits = await base.prisma.auditEntry.findMany({ where: { resourceId: callId, action: { startsWith: 'call.transcription' } } });
    expect(audits.map((a) => a.action).sort()).toEqual(['call.transcription_start', 'call.transcription_stop']);
  });

  it('gather: the digits the callee pressed arrive as call.gather.ended', async () => {
    // Real time: the callee takes 0.7-2.8 s to press, so the second gather meets the first still running.
    const { deps, sim } = withCarrier(1);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    await callAction(deps, actorOf(tenantId), callId, 'gather', { maxDigits: 4, timeoutSecs: 2, terminatingDigit: '#' });
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'gather'))).toBe('conflict');
    const done = await waitFor(async () => {
      const s = await base.prisma.callMediaSession.findFirstOrThrow({ where: { callId, kind: 'gather' } });
      return s.status === 'stopped' ? s : null;
    });
    const result = done.result as { digits: string; reason: string };
    expect(result.digits).toMatch(/^[0-9]{1,4}$/);
    expect(['max_digits', 'terminating_digit']).toContain(result.reason);
    expect(await eventsOf(callId, 'call.gather')).toEqual(['call.gather.started', 'call.gather.ended']);
    const ended = await base.prisma.event.findFirstOrThrow({ where: { resourceId: callId, type: 'call.gather.ended' } });
    expect(ended.data).toMatchObject({ digits: result.digits, reason: result.reason });
    expect((await fees(tenantId)).map((e) => e.amountCents)).toEqual([-ACTION_FEE_CENTS.gather]);
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'gather', { maxDigits: 0 }))).toBe('invalid_request');
  });

  it('a fee the balance cannot cover is 402 and nothing starts: no session, no entry, no event, nothing at the carrier', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    // Spend everything the call's hold leaves available.
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    await debit(base, { tenantId, kind: 'adjustment', amountCents: t.balanceCents - t.heldCents, description: 'spent elsewhere' });
    for (const [action, params] of [['streaming_start', { streamUrl: 'wss://media.example.com/a' }], ['transcription_start', {}], ['gather', {}]] as const) {
      expect(await codeOf(callAction(deps, actorOf(tenantId), callId, action, params))).toBe('balance_insufficient');
    }
    expect(await base.prisma.callMediaSession.count({ where: { callId } })).toBe(0);
    expect(await fees(tenantId)).toHaveLength(0);
    expect(await eventsOf(callId, 'call.streaming')).toEqual([]);
    // Nothing started upstream either: stopping finds nothing.
    expect(await codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_stop'))).toBe('streaming_not_found');
  });

  it('two racing starts of one stream: one starts and is charged, the other is streaming_already_active', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(deps, sim, tenantId);
    const codes = await Promise.all(Array.from({ length: 6 }, () => codeOf(callAction(deps, actorOf(tenantId), callId, 'streaming_start', { streamUrl: 'wss://media.example.com/a' }))));
    expect(codes.sort()).toEqual(['ok', ...Array(5).fill('streaming_already_active')].sort());
    expect(await fees(tenantId)).toHaveLength(1);
    expect(await base.prisma.callMediaSession.count({ where: { callId, status: 'active' } })).toBe(1);
  });
});

describe('bridge', () => {
  it('joins two answered calls of the tenant; each gets call.bridged; the rules for the other call', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid();
    const a = await answeredCall(deps, sim, tenantId);
    const b = await answeredCall(deps, sim, tenantId);
    const c = await answeredCall(deps, sim, tenantId);
    expect(await codeOf(callAction(deps, actorOf(tenantId), a, 'bridge', {}))).toBe('invalid_request');
    expect(await codeOf(callAction(deps, actorOf(tenantId), a, 'bridge', { callId: a }))).toBe('invalid_request');
    expect(await codeOf(callAction(deps, actorOf(tenantId), a, 'bridge', { callId: '00000000-0000-4000-8000-000000000000' }))).toBe('not_found');

    const bridged = await callAction(deps, actorOf(tenantId), a, 'bridge', { callId: b });
    expect(bridged.bridgedCallId).toBe(b);
    expect((await base.prisma.call.findUniqueOrThrow({ where: { id: b } })).bridgedCallId).toBe(a);
    const [upA, upB] = await Promise.all([a, b].map(async (id) => (await base.prisma.call.findUniqueOrThrow({ where: { id } })).upstreamCallId!));
    expect(sim.controls.bridgedWith(upA)).toBe(upB);
    expect(await eventsOf(a, 'call.bridged')).toEqual(['call.bridged']);
    expect(await eventsOf(b, 'call.bridged')).toEqual(['call.bridged']);
    // Already bridged (either side).
    expect(await codeOf(callAction(deps, actorOf(tenantId), c, 'bridge', { callId: b }))).toBe('call_not_in_required_state');

    // The other call ended.
    await callAction(deps, actorOf(tenantId), b, 'hangup');
    const d = await answeredCall(deps, sim, tenantId);
    expect(await codeOf(callAction(deps, actorOf(tenantId), d, 'bridge', { callId: b }))).toBe('call_already_ended');
    // A's partner ended: A can be bridged again.
    expect((await callAction(deps, actorOf(tenantId), a, 'bridge', { callId: d })).bridgedCallId).toBe(d);

    // Another tenant's call is not found.
    const other = await tenantWithDidFor('+15125550188');
    const foreign = await answeredCall(deps, sim, other, '+15125550188');
    expect(await codeOf(callAction(deps, actorOf(tenantId), c, 'bridge', { callId: foreign }))).toBe('not_found');
  });
});

async function tenantWithDidFor(e164: string): Promise<string> {
  const tenantId = await fundedTenant(base, 10_000n);
  await base.prisma.phoneNumber.create({
    data: { tenantId, e164, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, orderId: '00000000-0000-4000-8000-000000000003' },
  });
  return tenantId;
}
