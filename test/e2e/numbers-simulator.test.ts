// The numbers domain against the carrier simulator itself (compressed time): search, order, background activation.
import { credit, verifyLedger } from '../../src/billing/ledger.service';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { numberCarrierFrom } from '../../src/numbers/carrier-adapter';
import { proratedMonthlyCents } from '../../src/numbers/pricing.service';
import { systemClock } from '../../src/platform/clock';
import { createTestTenant, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

describe('phone numbers with the carrier simulator', () => {
  let gw: TestGateway;
  let sim: CarrierSimulator;
  let t: TestTenant;

  beforeAll(async () => {
    sim = createCarrierSimulator({ seed: 'numbers-e2e', timeScale: 0.005, activationFailureRate: 0 });
    gw = await startTestGateway({}, { carrier: numberCarrierFrom(sim) });
    t = await createTestTenant(gw.prisma);
    await credit({ db: gw.prisma, pubSub: gw.pubSub, clock: systemClock }, { tenantId: t.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funds' });
  });
  afterAll(async () => {
    await gw.close();
    sim.close();
  });

  const waitForStatus = async (id: string, status: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await rest(gw.url, 'GET', `/v1/numbers/${id}`, { key: t.key });
      if (r.body.status === status) return r.body;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`${id} never became ${status}`);
  };

  it('orders searched numbers; they activate in the background with one NRC debit and a pro-rated MRC each', async () => {
    const search = await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&features=voice&limit=3', { key: t.key });
    expect(search.status).toBe(200);
    expect(search.body.meta.count).toBe(3);
    for (const n of search.body.data) expect(n).toMatchObject({ country_code: 'US', number_type: 'local', pricing: { activation_fee_cents: 100, monthly_fee_cents: 150 } });
    const [ok, failing, reserved] = search.body.data.map((n: { phone_number: string }) => n.phone_number);

    // A reservation takes a number out of everyone's search.
    expect((await rest(gw.url, 'POST', '/v1/number-reservations', { key: t.key, body: { phone_numbers: [reserved] } })).status).toBe(201);
    sim.controls.failNextActivation(failing, 'carrier rejected the number');
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', {
      key: t.key,
      body: { phone_numbers: [ok, failing], country_code: 'US', number_type: 'local' },
      headers: { 'Idempotency-Key': 'sim-order-1' },
    });
    expect(order.status).toBe(201);
    expect(order.body.map((n: { status: string }) => n.status)).toEqual(['pending', 'pending']);
    const left = await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&features=voice&limit=50', { key: t.key });
    const offered = left.body.data.map((n: { phone_number: string }) => n.phone_number);
    // (The failing one may already be back in stock: activations take milliseconds at this time scale.)
    for (const n of [ok, reserved]) expect(offered).not.toContain(n);

    const byE164 = Object.fromEntries(order.body.map((n: { e164: string; id: string }) => [n.e164, n.id]));
    const active = await waitForStatus(byE164[ok], 'active');
    const failed = await waitForStatus(byE164[failing], 'failed');
    expect(failed.failure_reason).toBe('carrier rejected the number');

    const entries = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: { in: ['number_activation', 'number_monthly'] } }, orderBy: { createdAt: 'asc' } });
    expect(entries.filter((e) => e.kind === 'number_activation').map((e) => e.amountCents)).toEqual([-200n, 100n]);
    expect(entries.filter((e) => e.kind === 'number_monthly').map((e) => e.amountCents)).toEqual([-proratedMonthlyCents(150n, new Date(active.activated_at))]);
    expect(await verifyLedger(gw.prisma)).toEqual([]);
    const upstream = await gw.prisma.phoneNumber.findUniqueOrThrow({ where: { id: byE164[ok] } });
    expect(upstream.upstreamOrderId).toEqual(expect.any(String));
  });

  it('looks up any number through the carrier, billed per lookup; a tenant that cannot pay gets 402', async () => {
    const before = await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'lookup' } });
    const carrierLookup = await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=%2B15125550100&type=carrier', { key: t.key });
    expect(carrierLookup.status).toBe(200);
    expect(carrierLookup.body).toMatchObject({ phone_number: '+15125550100', type: 'carrier', country_code: 'US', carrier_name: expect.any(String), ported: expect.any(Boolean), cost_cents: 1 });
    const cnam = await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=%2B15125550100&type=caller-name', { key: t.key });
    expect(cnam.status).toBe(200);
    expect(cnam.body).toMatchObject({ phone_number: '+15125550100', type: 'caller-name', cost_cents: 2 });
    // A raw `+` (as curl sends it) decodes to a space in a query string; it is the same number.
    const rawPlus = await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=+15125550100&type=carrier', { key: t.key });
    expect([rawPlus.status, rawPlus.body.phone_number]).toEqual([200, '+15125550100']);
    const entries = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'lookup' }, orderBy: { createdAt: 'asc' } });
    expect(entries.slice(before).map((e) => e.amountCents)).toEqual([-1n, -2n, -1n]);
    expect((await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=12&type=carrier', { key: t.key })).status).toBe(400);
    expect((await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=%2B15125550100&type=bogus', { key: t.key })).status).toBe(400);
    const broke = await createTestTenant(gw.prisma);
    const r = await rest(gw.url, 'GET', '/v1/numbers/lookup?phone_number=%2B15125550100&type=carrier', { key: broke.key });
    expect([r.status, r.body.error.code]).toEqual([402, 'balance_insufficient']);
    expect(await verifyLedger(gw.prisma)).toEqual([]);
  });
});
