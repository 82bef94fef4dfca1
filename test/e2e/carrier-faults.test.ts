import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { chargeCents } from '../../src/calls/rating';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { credit, verifyLedger } from '../../src/billing/ledger.service';
import { numberCarrierFrom } from '../../src/numbers/carrier-adapter';
import { recoverPendingNumbers } from '../../src/numbers/activation-recovery';
import { createTestTenant, gql, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// The carrier failing under the gateway, seen through both APIs: on number activation, on call setup and in the
// middle of a call. The user gets the spec's code, every hold is settled, and nothing is billed that did not
// happen. (Service-level cases: test/integration/calls.test.ts, activation-recovery.test.ts.)

const FROM = '+15125550100';
let gw: TestGateway;
let sim: CarrierSimulator;
let t: TestTenant;

beforeAll(async () => {
  sim = createCarrierSimulator({ seed: 'carrier-faults', timeScale: 0.002, activationFailureRate: 0 });
  gw = await startTestGateway({}, { carrier: numberCarrierFrom(sim), callCarrier: callCarrierFrom(sim) });
});
afterAll(async () => {
  await gw.close();
  sim.close();
});
beforeEach(async () => {
  sim.controls.resetFaults();
  t = await createTestTenant(gw.prisma);
  await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });
  await gw.prisma.phoneNumber.deleteMany({ where: { e164: FROM } });
  await gw.prisma.phoneNumber.create({
    data: { tenantId: t.tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
});

const tenantRow = () => gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } });
async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
/** Every hold of the tenant settled, the cached figures equal to the ledger's. */
async function settledUp() {
  expect(await gw.prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } })).toBe(0);
  expect((await tenantRow()).heldCents).toBe(0n);
  expect(await verifyLedger(gw.prisma)).toEqual([]);
}

describe('carrier failures', () => {
  it('on call setup: 502 upstream_error in REST and in GraphQL extensions; the calls end failed, nothing held or billed', async () => {
    sim.controls.failNextCalls(2, 'dial');
    const r = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to: '+15125550142' } });
    expect([r.status, r.body.error.code]).toEqual([502, 'upstream_error']);
    const g = await gql(gw.url, 'mutation { placeCall(input: { from: "+15125550100", to: "+15125550143" }) { id } }', { key: t.key });
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'upstream_error', status: 502 });
    const calls = await gw.prisma.call.findMany({ where: { tenantId: t.tenantId } });
    expect(calls.map((c) => [c.status, c.hangupCause, c.chargeCents])).toEqual([
      ['failed', 'upstream_error', 0n],
      ['failed', 'upstream_error', 0n],
    ]);
    expect((await tenantRow()).balanceCents).toBe(10_000n);
    expect(sim.controls.activeCalls()).toBe(0);
    await settledUp();
  });

  it('a dial whose answer was lost: the leg that did start is hung up, the call stays failed, nothing billed', async () => {
    const hangups: { hangupSource?: string }[] = [];
    const unsubscribe = sim.onCallEvent((e) => void (e.type === 'call.hangup' && hangups.push(e)));
    for (const [to, headers] of [['+15125550146', {}], ['+15125550147', { 'Idempotency-Key': 'dial-answer-lost' }]] as const) {
      // The callee would talk for ten hours (72 s here); the carrier placed the call, but its answer was lost.
      sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
      sim.controls.loseNextResponses(1, 'dial');
      const r = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to }, headers });
      expect([r.status, r.body.error.code]).toEqual([502, 'upstream_error']);
      // The user was told it failed: the leg that started anyway must not ring on (its first event gives it away).
      await waitFor(async () => sim.controls.activeCalls() === 0, `the orphan leg to ${to} to be hung up`, 20_000);
      expect(hangups.pop()).toMatchObject({ hangupSource: 'caller' }); // hung up through the API, not by the callee
    }
    unsubscribe();
    const calls = await gw.prisma.call.findMany({ where: { tenantId: t.tenantId } });
    // With a key or without, the call row stays, failed, and nothing is billed.
    expect(calls.map((c) => [c.toNumber, c.status, c.chargeCents]).sort()).toEqual([
      ['+15125550146', 'failed', 0n],
      ['+15125550147', 'failed', 0n],
    ]);
    expect((await tenantRow()).balanceCents).toBe(10_000n);
    await settledUp();
  });

  it('with an Idempotency-Key, a failed dial frees the key: the retry with it places the call once', async () => {
    sim.controls.failNextCalls(1, 'dial');
    const body = { from: FROM, to: '+15125550144' };
    const headers = { 'Idempotency-Key': 'dial-after-failure' };
    const failed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers });
    expect([failed.status, failed.body.error.code]).toEqual([502, 'upstream_error']);
    // The placement committed before the dial: the call that never rang stays, failed, its hold released.
    const [never] = await gw.prisma.call.findMany({ where: { tenantId: t.tenantId } });
    expect([never.status, never.hangupCause, never.idempotencyKey]).toEqual(['failed', 'upstream_error', null]);
    expect(await gw.prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } })).toBe(0);
    const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers });
    expect(placed.status).toBe(201);
    expect(placed.body.id).not.toBe(never.id);
    const replayed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body, headers });
    expect([replayed.status, replayed.body.id, replayed.headers.get('idempotent-replayed')]).toEqual([201, placed.body.id, 'true']);
    expect(await gw.prisma.call.count({ where: { tenantId: t.tenantId } })).toBe(2);
    await waitFor(async () => (await rest(gw.url, 'GET', `/v1/calls/${placed.body.id}`, { key: t.key })).body.ended_at, 'the call to end');
    await settledUp();
  });

  it('mid-call: the carrier fails a hangup (502, the call goes on with its hold); the next works, billed for the seconds talked', async () => {
    const to = '+15125550145';
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
    const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to } });
    expect(placed.status).toBe(201);
    await waitFor(async () => (await rest(gw.url, 'GET', `/v1/calls/${placed.body.id}`, { key: t.key })).body.status === 'answered', 'the answer');
    // Hanging up through the carrier fails once (the user sees the code and the call goes on), then works.
    sim.controls.failNextCalls(1, 'hangupCall');
    const refused = await rest(gw.url, 'POST', `/v1/calls/${placed.body.id}/actions/hangup`, { key: t.key });
    expect([refused.status, refused.body.error.code]).toEqual([502, 'upstream_error']);
    expect((await rest(gw.url, 'GET', `/v1/calls/${placed.body.id}`, { key: t.key })).body.status).toBe('answered');
    expect(await gw.prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } })).toBe(1);
    const hung = await rest(gw.url, 'POST', `/v1/calls/${placed.body.id}/actions/hangup`, { key: t.key });
    expect(hung.status).toBe(200);
    const call = await gw.prisma.call.findUniqueOrThrow({ where: { id: placed.body.id } });
    expect(call.status).toBe('completed');
    expect(call.chargeCents).toBe(chargeCents(call.billableSeconds!, call.carrierCostPerMinuteMillicents, 4000));
    expect((await tenantRow()).balanceCents).toBe(10_000n - call.chargeCents!);
    expect(await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'call_charge' } })).toBe(call.chargeCents! > 0n ? 1 : 0);
    await settledUp();
  });

  it('on activation: the carrier down at order time still answers 201 pending; the recovery job activates it, one activation fee', async () => {
    const search = await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&limit=1', { key: t.key });
    const number = search.body.data[0].phone_number as string;
    sim.controls.failNextCalls(1, 'orderNumbers');
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: [number], country_code: 'US', number_type: 'local' }, headers: { 'Idempotency-Key': 'order-carrier-down' } });
    expect(order.status).toBe(201);
    expect(order.body[0].status).toBe('pending');
    // The recovery job, run now instead of after ACTIVATION_RECOVERY_AFTER_MS: it submits the order again.
    const deps = { ...servicesOf(gw), carrier: numberCarrierFrom(sim) };
    expect((await recoverPendingNumbers(deps, { olderThanMs: 0 })).resubmitted).toBe(1);
    const active = await waitFor(async () => {
      const n = (await rest(gw.url, 'GET', `/v1/numbers/${order.body[0].id}`, { key: t.key })).body;
      if (n.status === 'pending') await recoverPendingNumbers(deps, { olderThanMs: 0 });
      return n.status !== 'pending' && n;
    }, 'the activation');
    expect(active.status).toBe('active');
    expect(await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'number_activation' } })).toBe(1);
    await settledUp();
  });

  it('on activation: a number the carrier refuses ends failed with its reason and its activation fee returned', async () => {
    const search = await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&limit=1', { key: t.key });
    const number = search.body.data[0].phone_number as string;
    sim.controls.failNextActivation(number, 'number not available upstream');
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: [number], country_code: 'US', number_type: 'local' } });
    expect(order.status).toBe(201);
    const failed = await waitFor(async () => {
      const n = (await rest(gw.url, 'GET', `/v1/numbers/${order.body[0].id}`, { key: t.key })).body;
      return n.status !== 'pending' && n;
    }, 'the activation outcome');
    expect(failed).toMatchObject({ status: 'failed', failure_reason: 'number not available upstream' });
    const entries = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: { in: ['number_activation', 'number_monthly'] } } });
    expect(entries.reduce((s, e) => s + e.amountCents, 0n)).toBe(0n);
    expect((await tenantRow()).balanceCents).toBe(10_000n);
    await settledUp();
  });
});
