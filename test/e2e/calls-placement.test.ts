import { IN_FLIGHT } from '../../src/calls/calls.checks';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { credit } from '../../src/billing/ledger.service';
import { createTestTenant, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// Placement with Idempotency-Keys: the placement commits (and lets go of the tenant's lock) before the carrier
// dials, and the key stored on the call keeps a retry or a twin from dialling twice.

const FROM = '+15125550100';
let gw: TestGateway;
let sim: CarrierSimulator;
let t: TestTenant;

beforeEach(async () => {
  sim = createCarrierSimulator({ seed: 'calls-placement-e2e', timeScale: 0.002 });
  gw = await startTestGateway({}, { callCarrier: callCarrierFrom(sim) });
  t = await createTestTenant(gw.prisma);
  await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });
  await gw.prisma.phoneNumber.create({
    data: { tenantId: t.tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
});

afterEach(async () => {
  // Calls still playing would apply their events while the next test empties the tables.
  sim.controls.setLatency(0);
  await until(async () => (await gw.prisma.call.count({ where: { status: { in: [...IN_FLIGHT] } } })) === 0, 'every call to end', 20_000);
  await gw.close();
  sim.close();
});

const place = (to: string, key: string, extra: Record<string, unknown> = {}) =>
  rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to, ...extra }, headers: { 'Idempotency-Key': key } });

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('placing calls with Idempotency-Keys', () => {
  it('a slow dial does not hold the tenant: a second keyed placement commits while the first is still dialling', async () => {
    // The dials are held (a minute's latency) until the test has looked; lowering it lets them through at once.
    sim.controls.setLatency(60_000);
    let answered = 0;
    const requests = [place('+15125550142', 'slow-a'), place('+15125550143', 'slow-b')].map((p) => p.then((r) => (answered++, r)));
    // Both placements are written while both dials are still on their way. With the tenant's lock held through
    // the request (and so through the dial), the second would wait for the first's response.
    await until(async () => (await gw.prisma.call.count({ where: { tenantId: t.tenantId } })) === 2, 'both placements to commit', 30_000);
    expect(answered).toBe(0);
    sim.controls.setLatency(0);
    const [a, b] = await Promise.all(requests);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('eight twins racing with one key while the dial is slow: one call, one dial, every answer the same call', async () => {
    sim.controls.setLatency(300);
    const dials: string[] = [];
    const unsubscribe = sim.onCallEvent((e) => void (e.type === 'call.initiated' && dials.push(e.upstreamCallId)));
    const answers = await Promise.all(Array.from({ length: 8 }, () => place('+15125550144', 'twins')));
    sim.controls.setLatency(0);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const calls = await gw.prisma.call.findMany({ where: { tenantId: t.tenantId } });
    expect(calls.map((c) => c.idempotencyKey)).toEqual(['twins']);
    await until(async () => dials.length >= 1, 'the dial');
    await new Promise((r) => setTimeout(r, 200));
    unsubscribe();
    expect(dials).toHaveLength(1);
    expect(await gw.prisma.creditHold.count({ where: { tenantId: t.tenantId } })).toBe(1);
  });

  it('the same key with another request while the first is in flight is idempotency_conflict, and changes nothing', async () => {
    sim.controls.setLatency(500);
    const first = place('+15125550145', 'reused');
    await until(async () => (await gw.prisma.call.count({ where: { tenantId: t.tenantId } })) === 1, 'the first placement to commit');
    const other = await place('+15125550146', 'reused');
    expect([other.status, other.body.error.code]).toEqual([409, 'idempotency_conflict']);
    sim.controls.setLatency(0);
    expect((await first).status).toBe(201);
    // Once the first is recorded, the conflict comes from the stored response.
    const again = await place('+15125550146', 'reused');
    expect([again.status, again.body.error.code]).toEqual([409, 'idempotency_conflict']);
    expect(await gw.prisma.call.count({ where: { tenantId: t.tenantId } })).toBe(1);
  });

  it('a placement whose response was never recorded (the gateway died after the commit) is found again, not dialled again', async () => {
    const first = await place('+15125550147', 'lost-response');
    expect(first.status).toBe(201);
    // What a crash between the placement's commit and the stored response leaves: the call, with its key.
    await gw.prisma.idempotencyRecord.deleteMany({ where: { tenantId: t.tenantId } });
    const retried = await place('+15125550147', 'lost-response');
    expect([retried.status, retried.body.id]).toEqual([201, first.body.id]);
    expect(await gw.prisma.call.count({ where: { tenantId: t.tenantId } })).toBe(1);
  });

  it('a key past its time to live is free again: reusing it places a new call', async () => {
    const first = await place('+15125550148', 'reused-next-day');
    expect(first.status).toBe(201);
    await until(async () => (await gw.prisma.call.count({ where: { tenantId: t.tenantId, status: { in: [...IN_FLIGHT] } } })) === 0, 'the first call to end');
    // A day and an hour later: the stored response has expired, and so has the key on the call.
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    await gw.prisma.idempotencyRecord.updateMany({ where: { tenantId: t.tenantId }, data: { expiresAt: dayAgo } });
    await gw.prisma.$executeRaw`UPDATE calls SET created_at = ${dayAgo} WHERE id = ${first.body.id}::uuid`;
    const second = await place('+15125550149', 'reused-next-day');
    expect([second.status, second.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(second.body.id).not.toBe(first.body.id);
    const calls = await gw.prisma.call.findMany({ where: { tenantId: t.tenantId }, orderBy: { createdAt: 'asc' }, select: { id: true, idempotencyKey: true } });
    expect(calls).toEqual([
      { id: first.body.id, idempotencyKey: null },
      { id: second.body.id, idempotencyKey: 'reused-next-day' },
    ]);
  });
});
