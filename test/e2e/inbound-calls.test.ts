import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { holdEstimateCents } from '../../src/calls/rating';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { credit } from '../../src/billing/ledger.service';
import { DEFAULT_MARKUP_BPS } from '../../src/billing/plans.service';
import { createTestTenant, gql, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';

// Inbound calls over real HTTP and WebSockets: the simulated carrier rings a tenant's number (the test-mode
// endpoint), the call is recorded and rings; answer / reject with their state rules (a real race included), the
// number's screening, the ring timeout, and the exact charge of an answered inbound call.

let gw: TestGateway;
let sim: CarrierSimulator;
// Rings of up to 600 s last 12 s and talks of 300 s 6 s: room for a loaded machine to answer in time.
const SCALE = 0.02;

beforeAll(async () => {
  sim = createCarrierSimulator({ seed: 'inbound-e2e', timeScale: SCALE });
  gw = await startTestGateway({}, { callCarrier: callCarrierFrom(sim) });
});

afterAll(async () => {
  await gw.close();
  sim.close();
});

let nextDid = 0;
async function tenant(opts: { did?: string; country?: string; fundsCents?: bigint; screening?: 'disabled' | 'flag_calls' | 'reject_calls' } = {}): Promise<TestTenant & { did: string }> {
  const t = await createTestTenant(gw.prisma);
  if (opts.fundsCents !== 0n) await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: opts.fundsCents ?? 10_000n, description: 'test funding' });
  const did = opts.did ?? `+1512555${String(2000 + nextDid++).padStart(4, '0')}`;
  await gw.prisma.phoneNumber.create({
    data: {
      tenantId: t.tenantId, e164: did, countryCode: opts.country ?? 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n,
      orderId: '00000000-0000-4000-8000-000000000001', inboundCallScreening: opts.screening ?? 'disabled',
    },
  });
  return { ...t, did };
}

async function until<T>(fn: () => Promise<T | null | false | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('timed out');
}

const ring = (t: TestTenant & { did: string }, body: Record<string, unknown> = {}) =>
  rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '+14155550123', to: t.did, ring_timeout_secs: 600, ...body } });
const action = (t: TestTenant, id: string, name: string, body?: unknown) => rest(gw.url, 'POST', `/v1/calls/${id}/actions/${name}`, { key: t.key, ...(body === undefined ? {} : { body }) });
const getCall = (t: TestTenant, id: string) => rest(gw.url, 'GET', `/v1/calls/${id}`, { key: t.key });
const eventTypes = async (id: string) => (await gw.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' } })).map((e) => e.type);
const holdsOf = (tenantId: string) => gw.prisma.creditHold.findMany({ where: { tenantId } });

describe('an inbound call', () => {
  it('rings the tenant: recorded inbound, call.initiated then call.ringing to subscribers, listed by direction', async () => {
    const t = await tenant();
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    const sub = collect<{ data: { callStatusChanged: { eventType: string; status: string; call: { id: string; direction: string; from: string } } } }>(
      client, 'subscription { callStatusChanged { eventType status call { id direction from } } }', 2, 15_000);
    await gw.untilSubscribed('CALL_STATUS_CHANGED', t.tenantId);
    const rung = await ring(t);
    expect(rung.status).toBe(201);
    expect(rung.body).toMatchObject({ direction: 'inbound', from: '+14155550123', to: t.did, status: 'ringing', screening: null, charge_cents: null, timeout_secs: 600, destination_country: 'US' });
    const events = (await sub.done).map((e) => e.data.callStatusChanged);
    expect(events.map((e) => [e.eventType, e.status, e.call.id, e.call.direction])).toEqual([
      ['call.initiated', 'initiated', rung.body.id, 'inbound'],
      ['call.ringing', 'ringing', rung.body.id, 'inbound'],
    ]);
    const initiated = await gw.prisma.event.findFirstOrThrow({ where: { resourceId: rung.body.id, type: 'call.initiated' } });
    expect(initiated.data).toMatchObject({ direction: 'inbound', from: '+14155550123', to: t.did, status: 'initiated' });
    await client.dispose();

    // An outbound call of the same tenant is not in the inbound list, and the other way round.
    await gw.prisma.call.create({ data: { tenantId: t.tenantId, fromNumber: t.did, toNumber: '+15125550486', destinationCountry: 'US', ratePrefix: '1', carrierCostPerMinuteMillicents: 450, status: 'busy', queuedAt: new Date() } });
    const inbound = await rest(gw.url, 'GET', '/v1/calls?direction=inbound', { key: t.key });
    expect(inbound.body.data.map((c: { id: string }) => c.id)).toEqual([rung.body.id]);
    const outbound = await rest(gw.url, 'GET', '/v1/calls?direction=outbound', { key: t.key });
    expect(outbound.body.data.map((c: { direction: string }) => c.direction)).toEqual(['outbound']);
    const viaGraphql = await gql(gw.url, '{ calls(direction: inbound) { nodes { id direction screening } } }', { key: t.key });
    expect(viaGraphql.body.data.calls.nodes).toEqual([{ id: rung.body.id, direction: 'inbound', screening: null }]);
  });

  it('is answered over REST: a hold at the number’s rate, call.answered, call control works, the caller’s hangup is rated exactly', async () => {
    const t = await tenant();
    const rung = await ring(t, { talk_secs: 300 });
    const answered = await action(t, rung.body.id, 'answer');
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: rung.body.id, status: 'answered', direction: 'inbound', recordings: [], media: [] });
    const [hold] = await holdsOf(t.tenantId);
    // US numbers: the destination rate 1 (450 millicents a minute), the default markup, the estimate's minutes.
    expect(hold).toMatchObject({ transactionId: `call:${rung.body.id}`, status: 'active', amountCents: holdEstimateCents(10, 450, DEFAULT_MARKUP_BPS) });
    expect((await action(t, rung.body.id, 'record_start')).status).toBe(200);
    expect((await action(t, rung.body.id, 'record_stop')).status).toBe(200);
    const ended = await until(async () => {
      const c = await getCall(t, rung.body.id);
      return c.body.status === 'completed' && c.body;
    });
    // 300 s × 450 millicents/min × 1.4 = 3.15 ¢ → 4 ¢ (rounded up once).
    expect(ended).toMatchObject({ billable_seconds: 300, charge_cents: 4, hangup_source: 'caller', hangup_cause: 'normal_clearing' });
    expect(ended.charge).toMatchObject({ amount_cents: 4, balance_after_cents: 10_000 - 4 });
    expect((await holdsOf(t.tenantId))[0]).toMatchObject({ status: 'consumed', consumedCents: 4n });
    const types = await eventTypes(rung.body.id);
    expect(types.filter((e) => !e.startsWith('call.recording'))).toEqual(['call.initiated', 'call.ringing', 'call.answered', 'call.hangup']);
    expect(types.slice(3, 5)).toEqual(['call.recording.started', 'call.recording.stopped']);
    const entries = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'call_charge' } });
    expect(entries.map((e) => [e.amountCents, e.referenceId])).toEqual([[-4n, rung.body.id]]);
  });

  it('is charged exactly: a table of numbers, talk times and markups', async () => {
    const cases = [
      // [DID, country, talk s, markup bps, expected ¢]: millicents/min × s × (1 + bps) / 6e8, rounded up once.
      ['+15125552900', 'US', 60, null, 1], // 60 × 450 × 1.4 / 60000 = 0.63
      ['+447700900123', 'GB', 300, 2500, 8], // the mobile prefix 447 (1200): 300 × 1200 × 1.25 / 60000 = 7.5
      ['+442071838750', 'GB', 120, 0, 2], // the fixed prefix 44 (600): 120 × 600 / 60000 = 1.2
    ] as const;
    await Promise.all(
      cases.map(async ([did, country, talk, bps, expected]) => {
        const t = await tenant({ did, country });
        if (bps !== null) await gw.prisma.tenant.update({ where: { id: t.tenantId }, data: { markupOverrideBps: bps } });
        const rung = await ring(t, { talk_secs: talk });
        expect((await action(t, rung.body.id, 'answer')).status).toBe(200);
        const ended = await until(async () => {
          const c = await getCall(t, rung.body.id);
          return c.body.status === 'completed' && c.body;
        });
        expect([did, ended.billable_seconds, ended.charge_cents]).toEqual([did, talk, expected]);
        const account = await rest(gw.url, 'GET', '/v1/account', { key: t.key });
        expect(account.body.balance.amount_cents).toBe(10_000 - expected);
      }),
    );
  });

  it('is answered and rejected over GraphQL', async () => {
    const t = await tenant();
    const a = await ring(t, { talk_secs: 3600 });
    const answered = await gql(gw.url, 'mutation($id: ID!) { answerCall(id: $id) { id status direction answeredAt } }', { key: t.key, variables: { id: a.body.id } });
    expect(answered.body.data.answerCall).toMatchObject({ id: a.body.id, status: 'answered', direction: 'inbound' });
    expect((await gql(gw.url, 'mutation($id: ID!) { hangupCall(id: $id) { status } }', { key: t.key, variables: { id: a.body.id } })).body.data.hangupCall.status).toBe('completed');

    const b = await ring(t);
    const rejected = await gql(gw.url, 'mutation($id: ID!) { rejectCall(id: $id, input: { cause: user_busy }) { status hangupCause hangupSource chargeCents } }', { key: t.key, variables: { id: b.body.id } });
    expect(rejected.body.data.rejectCall).toEqual({ status: 'busy', hangupCause: 'user_busy', hangupSource: 'callee', chargeCents: 0 });
    const again = await gql(gw.url, 'mutation($id: ID!) { answerCall(id: $id) { id } }', { key: t.key, variables: { id: b.body.id } });
    expect(again.body.errors[0].extensions.code).toBe('call_already_ended');

    const simulated = await gql(gw.url, 'mutation($to: String!) { simulateInboundCall(input: { from: "+14155550999", to: $to, ringTimeoutSecs: 600 }) { id direction status from } }', { key: t.key, variables: { to: t.did } });
    expect(simulated.body.data.simulateInboundCall).toMatchObject({ direction: 'inbound', status: 'ringing', from: '+14155550999' });
    expect((await action(t, simulated.body.data.simulateInboundCall.id, 'reject')).body).toMatchObject({ status: 'busy', hangup_cause: 'call_rejected' });
  });

  it('answer and reject: state rules and codes', async () => {
    const t = await tenant();
    const other = await tenant();
    const rung = await ring(t);
    const id = rung.body.id;

    expect((await action(other, id, 'answer')).body.error.code).toBe('not_found');
    expect((await action(t, '00000000-0000-4000-8000-000000000000', 'answer')).status).toBe(404);
    const badCause = await action(t, id, 'reject', { cause: 'no_thanks' });
    expect([badCause.status, badCause.body.error.code]).toEqual([400, 'invalid_request']);
    // Actions of answered calls are refused while it rings.
    const early = await action(t, id, 'record_start');
    expect([early.status, early.body.error.code]).toEqual([409, 'call_not_in_required_state']);

    expect((await action(t, id, 'answer')).status).toBe(200);
    const twice = await action(t, id, 'answer');
    expect([twice.status, twice.body.error.code]).toEqual([409, 'call_not_in_required_state']);
    expect(twice.body.error.message).toMatch(/ringing/);
    expect((await action(t, id, 'reject')).body.error.code).toBe('call_not_in_required_state');
    expect((await action(t, id, 'hangup')).status).toBe(200);
    for (const name of ['answer', 'reject']) {
      const ended = await action(t, id, name);
      expect([name, ended.status, ended.body.error.code]).toEqual([name, 409, 'call_already_ended']);
    }

    // An outbound call, even ringing, is never answered or rejected by the tenant.
    sim.controls.scriptNextCall('+15125550777', { outcome: 'answered', ringSeconds: 600, talkSeconds: 5 });
    const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: t.did, to: '+15125550777', timeout_secs: 600 } });
    await until(async () => (await getCall(t, placed.body.id)).body.status === 'ringing');
    for (const name of ['answer', 'reject']) {
      const refused = await action(t, placed.body.id, name);
      expect([name, refused.status, refused.body.error.code]).toEqual([name, 409, 'call_not_in_required_state']);
      expect(refused.body.error.message).toMatch(/inbound/);
    }
    await action(t, placed.body.id, 'hangup');
  });

  it('answered without the balance for its hold: 402 balance_insufficient, and it keeps ringing', async () => {
    const t = await tenant({ fundsCents: 0n });
    const rung = await ring(t);
    const refused = await action(t, rung.body.id, 'answer');
    expect([refused.status, refused.body.error.code]).toEqual([402, 'balance_insufficient']);
    expect((await getCall(t, rung.body.id)).body.status).toBe('ringing');
    expect(await holdsOf(t.tenantId)).toEqual([]);
    expect(await eventTypes(rung.body.id)).toEqual(['call.initiated', 'call.ringing']);
    await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1_000n, description: 'top-up' });
    expect((await action(t, rung.body.id, 'answer')).status).toBe(200);
    await action(t, rung.body.id, 'hangup');
  });

  it('answered twice at once: one answer wins, one hold, one call.answered', async () => {
    const t = await tenant();
    for (let round = 0; round < 3; round++) {
      const rung = await ring(t, { talk_secs: 3600 });
      const results = await Promise.all([1, 2, 3, 4].map(() => action(t, rung.body.id, 'answer')));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(['call_not_in_required_state', 'call_not_in_required_state', 'call_not_in_required_state']);
      expect(await gw.prisma.creditHold.count({ where: { transactionId: `call:${rung.body.id}` } })).toBe(1);
      expect((await eventTypes(rung.body.id)).filter((e) => e === 'call.answered')).toHaveLength(1);
      await action(t, rung.body.id, 'hangup');
    }
    expect((await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).heldCents).toBe(0n);
  });

  it('unanswered, it ends no_answer after its ring timeout, costing nothing', async () => {
    const t = await tenant();
    const rung = await ring(t, { ring_timeout_secs: 20 });
    const ended = await until(async () => {
      const c = await getCall(t, rung.body.id);
      return c.body.ended_at && c.body;
    });
    expect(ended).toMatchObject({ status: 'no_answer', hangup_cause: 'timeout', charge_cents: 0, answered_at: null });
    expect(new Date(ended.ended_at).getTime() - new Date(ended.ringing_at).getTime()).toBe(20_000);
    const late = await action(t, rung.body.id, 'answer');
    expect([late.status, late.body.error.code]).toEqual([409, 'call_already_ended']);
    expect(await holdsOf(t.tenantId)).toEqual([]);
  });

  it('honours the number’s inbound_call_screening', async () => {
    const suspicious = '+14155550666';
    const flagging = await tenant({ screening: 'flag_calls' });
    const flagged = await ring(flagging, { from: suspicious });
    expect(flagged.body).toMatchObject({ status: 'ringing', screening: 'flagged' });
    expect((await ring(flagging)).body).toMatchObject({ status: 'ringing', screening: 'passed' });

    const rejecting = await tenant({ screening: 'reject_calls' });
    const refused = await ring(rejecting, { from: suspicious });
    expect(refused.body).toMatchObject({ status: 'busy', screening: 'rejected', hangup_cause: 'call_rejected', hangup_source: 'system', ringing_at: null, charge_cents: 0 });
    expect(await eventTypes(refused.body.id)).toEqual(['call.initiated', 'call.hangup']);
    expect((await ring(rejecting)).body).toMatchObject({ status: 'ringing', screening: 'passed' });

    const open = await tenant();
    expect((await ring(open, { from: suspicious })).body).toMatchObject({ status: 'ringing', screening: null });
    // Screening can be changed on the number (PATCH /v1/numbers/{id}); the next call follows it.
    const number = await gw.prisma.phoneNumber.findFirstOrThrow({ where: { tenantId: open.tenantId } });
    const patched = await rest(gw.url, 'PATCH', `/v1/numbers/${number.id}`, { key: open.key, body: { inbound_call_screening: 'reject_calls' } });
    expect(patched.status).toBe(200);
    expect((await ring(open, { from: suspicious })).body).toMatchObject({ status: 'busy', screening: 'rejected' });
  });

  it('the test helper rings only the caller’s own active numbers', async () => {
    const t = await tenant();
    const other = await tenant();
    const foreign = await rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '+14155550123', to: other.did } });
    const unknown = await rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '+14155550123', to: '+15125559999' } });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'number_not_found']);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'number_not_found']);
    const bad = await rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '555', to: t.did } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    const badTimeout = await ring(t, { ring_timeout_secs: 0 });
    expect([badTimeout.status, badTimeout.body.error.code]).toEqual([400, 'invalid_request']);
    expect(await gw.prisma.call.count({ where: { tenantId: { in: [t.tenantId, other.tenantId] } } })).toBe(0);
  });

  it('a call the carrier rings to a number nobody has is refused upstream and recorded nowhere', async () => {
    const before = await gw.prisma.call.count();
    const incoming = sim.controls.ringInbound({ from: '+14155550123', to: '+15125558888' });
    await until(async () => (await sim.callStatus(incoming.upstreamCallId))?.state === 'ended');
    expect(await sim.callStatus(incoming.upstreamCallId)).toMatchObject({ outcome: 'failed', hangupCause: 'unallocated_number' });
    expect(await gw.prisma.call.count()).toBe(before);
  });
});
