import { chargeCents } from '../../src/calls/rating';
import { CarrierSimulator } from '../../src/carrier';
import { credit } from '../../src/billing/ledger.service';
import { gql, rest, servicesOf, TestGateway, TestTenant } from '../helpers/gateway';
import { FROM, SimulatedCallsGateway, startSimulatedCallsGateway, tenantWithDid } from '../helpers/simulated-calls';
import { collect, wsClient } from '../helpers/ws';

// Calls over real HTTP and WebSocket, the carrier simulator playing them with compressed time.

let rig: SimulatedCallsGateway;
let gw: TestGateway;
let sim: CarrierSimulator;

beforeEach(async () => {
  rig = await startSimulatedCallsGateway({ seed: 'calls-e2e', timeScale: 0.002 });
  ({ gw, sim } = rig);
});

afterEach(() => rig.close());

const tenant = (did = FROM): Promise<TestTenant> => tenantWithDid(gw.prisma, gw.pubSub, { did, balanceCents: 10_000n });

async function untilEnded(t: TestTenant, id: string) {
  for (let i = 0; i < 500; i++) {
    const r = await rest(gw.url, 'GET', `/v1/calls/${id}`, { key: t.key });
    if (r.body.ended_at) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('the call did not end');
}

describe('calls over /v1 and GraphQL', () => {
  it('POST /v1/calls with an Idempotency-Key dials once; GET shows the transitions and the exact charge', async () => {
    const t = await tenant();
    const to = '+15125550142';
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 3, talkSeconds: 90 });
    const body = { from: FROM, to, timeout_secs: 20 };
    const headers = { 'Idempotency-Key': 'call-1' };
    const [first, second] = await Promise.all([rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers }), rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers })]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id);
    expect(await gw.prisma.call.count()).toBe(1);
    for (const answer of [first, second]) expect(answer.body).toMatchObject({ from: FROM, to, direction: 'outbound', timeout_secs: 20, charge_cents: null });
    // The placement answers the call as it wrote it (queued); its twin may read the call a moment later, dialled.
    expect([first.body.status, second.body.status]).toContain('queued');

    const done = await untilEnded(t, first.body.id);
    expect(done.body).toMatchObject({ status: 'completed', billable_seconds: 90, hangup_cause: 'normal_clearing', hangup_source: 'callee' });
    const cents = Number(chargeCents(90, 450, 4000));
    expect(done.body.charge_cents).toBe(cents);
    expect(done.body.charge).toMatchObject({ amount_cents: cents, balance_after_cents: 10_000 - cents });
    expect(done.body.events.map((e: { to_status: string; event_type: string | null; sequence: number | null }) => [e.to_status, e.event_type, e.sequence])).toEqual([
      ['queued', null, null],
      ['initiated', 'call.initiated', 1],
      ['ringing', 'call.ringing', 2],
      ['answered', 'call.answered', 3],
      ['completed', 'call.hangup', 4],
    ]);
    const replay = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id]).toEqual([201, 'true', first.body.id]);
    expect(await gw.prisma.call.count()).toBe(1);

    const hangup = await rest(gw.url, 'POST', `/v1/calls/${first.body.id}/actions/hangup`, { key: t.key });
    expect([hangup.status, hangup.body.error.code]).toEqual([409, 'call_already_ended']);
  });

  it('refusals carry the spec’s codes and statuses; another tenant’s call is 404', async () => {
    const t = await tenant();
    const cases: [unknown, number, string][] = [
      [{ from: '+14155550100', to: '+15125550142' }, 403, 'from_number_not_owned'],
      [{ from: FROM, to: '+442079460000' }, 403, 'country_not_allowed'],
      [{ from: FROM, to: 'not a number' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const r = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body });
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    const call = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to: '+15125550486' } });
    const other = await tenant('+15125550101');
    expect((await rest(gw.url, 'GET', `/v1/calls/${call.body.id}`, { key: other.key })).status).toBe(404);
    expect((await rest(gw.url, 'POST', `/v1/calls/${call.body.id}/actions/hangup`, { key: other.key })).status).toBe(404);
  });

  it('preflight reports every check without dialling, with the price per minute', async () => {
    const t = await tenant();
    await gw.prisma.tenantQuota.update({ where: { tenantId: t.tenantId }, data: { prefixesBlocked: ['1900'], concurrentCallCap: 0 } });
    const r = await rest(gw.url, 'POST', '/v1/calls/preflight', { key: t.key, body: { from: FROM, to: '+19005550100' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ passed: false, code: 'prefix_blocked', destination_country: 'US', price_per_minute_cents: '0.63', hold_cents: 7 });
    expect(r.body.checks.map((c: { check: string; code: string | null }) => [c.check, c.code])).toEqual([
      ['scope', null],
      ['from_number', null],
      ['destination_country', null],
      ['destination_prefix', 'prefix_blocked'],
      ['pricing', null],
      ['balance', null],
      ['daily_spend_cap', null],
      ['concurrent_call_cap', 'concurrent_call_cap_exceeded'],
    ]);
    expect(await gw.prisma.call.count()).toBe(0);
    expect(sim.controls.activeCalls()).toBe(0);
  });

  it('a subscriber sees every transition of its own tenant’s calls and none of another’s', async () => {
    const a = await tenant();
    const b = await tenant('+15125550101');
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${a.key}` });
    const sub = collect<{ data: { callStatusChanged: { eventId: string; eventType: string; sequence: number; status: string; call: { id: string } } } }>(
      client,
      'subscription { callStatusChanged { eventId eventType sequence status occurredAt call { id status } } }',
      4,
      15_000,
    );
    await gw.untilSubscribed('CALL_STATUS_CHANGED', a.tenantId);
    // Another tenant's call runs to its end first: had any of its events leaked, they would lead the list.
    sim.controls.scriptNextCall('+15125550143', { outcome: 'answered', ringSeconds: 1, talkSeconds: 5 });
    const theirs = await rest(gw.url, 'POST', '/v1/calls', { key: b.key, body: { from: '+15125550101', to: '+15125550143' } });
    await untilEnded(b, theirs.body.id);
    sim.controls.scriptNextCall('+15125550144', { outcome: 'answered', ringSeconds: 2, talkSeconds: 30 });
    const ours = await rest(gw.url, 'POST', '/v1/calls', { key: a.key, body: { from: FROM, to: '+15125550144' } });
    expect([theirs.status, ours.status]).toEqual([201, 201]);
    const events = (await sub.done).map((e) => e.data.callStatusChanged);
    expect(events.map((e) => e.call.id)).toEqual([ours.body.id, ours.body.id, ours.body.id, ours.body.id]);
    expect(events.map((e) => [e.eventType, e.sequence, e.status])).toEqual([
      ['call.initiated', 1, 'initiated'],
      ['call.ringing', 2, 'ringing'],
      ['call.answered', 3, 'answered'],
      ['call.hangup', 4, 'completed'],
    ]);
    const stored = await gw.prisma.event.findMany({ where: { resourceId: ours.body.id }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => e.eventId)).toEqual(stored.map((e) => e.id));
    await client.dispose();
  });

  it('a list of 100 calls with number, connection and charge resolves in a constant number of SQL statements', async () => {
    const t = await tenant();
    const did = await gw.prisma.phoneNumber.findFirstOrThrow({ where: { tenantId: t.tenantId } });
    const connection = await gw.prisma.connection.findFirstOrThrow({ where: { tenantId: t.tenantId } });
    const make = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const entry = await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1n, description: 'x' });
        await gw.prisma.call.create({
          data: {
            tenantId: t.tenantId, fromNumber: FROM, toNumber: '+15125550142', destinationCountry: 'US', ratePrefix: '1', carrierCostPerMinuteMillicents: 450,
            status: 'completed', queuedAt: new Date(), endedAt: new Date(), phoneNumberId: did.id, connectionId: connection.id, chargeCents: 1n, chargeLedgerEntryId: entry.id,
          },
        });
      }
    };
    const count = async () => {
      const before = gw.statements.length;
      const r = await gql(gw.url, '{ calls(first: 200) { nodes { id phoneNumber { e164 } connection { name } charge { amountCents } } } }', { key: t.key });
      expect(r.body.errors).toBeUndefined();
      const seen = gw.statements.slice(before);
      const domain = seen.filter((sql) => /"(calls|phone_numbers|connections|ledger_entries|call_transitions)"/.test(sql));
      return { statements: seen.length, domain: domain.length, nodes: r.body.data.calls.nodes as unknown[] };
    };
    await make(5);
    const small = await count();
    await make(95);
    const large = await count();
    expect(large.nodes).toHaveLength(100);
    expect(large.statements).toBe(small.statements);
    // The list, then one statement each for phone numbers, connections and charges.
    expect(large.domain).toBeLessThanOrEqual(4);
  });

  it('GET /v1/calls filters by status and pages with a cursor', async () => {
    const t = await tenant();
    const busy = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to: '+15125550486' } });
    const failed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to: '+15125550503' } });
    await untilEnded(t, busy.body.id);
    await untilEnded(t, failed.body.id);
    const onlyBusy = await rest(gw.url, 'GET', '/v1/calls?status=busy', { key: t.key });
    expect(onlyBusy.body.data.map((c: { id: string }) => c.id)).toEqual([busy.body.id]);
    const page1 = await rest(gw.url, 'GET', '/v1/calls?limit=1', { key: t.key });
    expect(page1.body.data.map((c: { id: string }) => c.id)).toEqual([failed.body.id]);
    const page2 = await rest(gw.url, 'GET', `/v1/calls?limit=1&cursor=${page1.body.meta.next_cursor}`, { key: t.key });
    expect(page2.body.data.map((c: { id: string }) => c.id)).toEqual([busy.body.id]);
    expect((await rest(gw.url, 'GET', `/v1/calls?to=${encodeURIComponent('+15125550503')}`, { key: t.key })).body.data).toHaveLength(1);
    // The same filter with a raw `+`, which a query string decodes to a space.
    expect((await rest(gw.url, 'GET', '/v1/calls?to=+15125550503', { key: t.key })).body.data).toHaveLength(1);
  });
});
