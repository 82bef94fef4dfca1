import { createCarrierSimulator } from '../../src/carrier';
import { recoverPendingNumbers } from '../../src/numbers/activation-recovery';
import { numberCarrierFrom } from '../../src/numbers/carrier-adapter';
import { systemActor } from '../../src/platform/auth/scopes';
import { ManualClock } from '../../src/platform/clock';
import { addBusinessDays } from '../../src/porting/business-days';
import { checkPortability, csrCoverage } from '../../src/porting/porting-checks.service';
import { storePortingDocument } from '../../src/porting/porting-documents.service';
import { createPortingOrder } from '../../src/porting/porting-orders.service';
import { advancePortingOrders } from '../../src/porting/porting.progress';
import { orderNumbers, startNumberActivation } from '../../src/numbers/numbers.service';
import { FakeCarrier } from '../helpers/fake-carrier';
import { PDF } from '../helpers/porting';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('porting rules', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  const clock = new ManualClock(new Date('2026-11-20T15:00:00Z'));
  beforeAll(async () => {
    base = await serviceDeps({ poolSize: 30, clock });
  });
  afterAll(() => base.close());

  const documentsOf = async (tenantId: string) => {
    const actor = systemActor(tenantId, 'docs');
    return Promise.all(
      (['loa', 'bill'] as const).map(async (documentType) => (await storePortingDocument(base, actor, { documentType, filename: `${documentType}.pdf`, content: PDF, maxBytes: 1 << 20 })).id),
    );
  };

  it('business days skip weekends', () => {
    expect(addBusinessDays(new Date('2026-11-20T15:00:00Z'), 1).toISOString()).toBe('2026-11-23T15:00:00.000Z');
    expect(addBusinessDays(new Date('2026-11-24T15:00:00Z'), 3).toISOString()).toBe('2026-11-27T15:00:00.000Z');
    expect(addBusinessDays(new Date('2026-11-26T10:00:00Z'), 3).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    // From a Saturday, the first business day is the Monday.
    expect(addBusinessDays(new Date('2026-11-21T10:00:00Z'), 1).toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });

  it('tenants racing 10 porting orders each for the same number: exactly one order holds it, the others porting_in_progress', async () => {
    const deps = { ...base, carrier: new FakeCarrier() };
    const tenants = await Promise.all([fundedTenant(base, 0n), fundedTenant(base, 0n)]);
    const docs = await Promise.all(tenants.map(documentsOf));
    const attempts = tenants.flatMap((tenantId, i) =>
      Array.from({ length: 10 }, (_, k) => createPortingOrder(deps, systemActor(tenantId, `race-${i}-${k}`), { phoneNumbers: ['+15125559901'], documents: docs[i] })),
    );
    const outcomes = await Promise.allSettled(attempts);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const codes = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason.code);
    expect(new Set(codes)).toEqual(new Set(['porting_in_progress']));
    expect(await base.prisma.portingOrderNumber.count({ where: { e164: '+15125559901', status: 'pending' } })).toBe(1);
    expect(await base.prisma.portingOrder.count({ where: { tenantId: { in: tenants } } })).toBe(1);
  });

  it('two instances running the progression at once move each order exactly one step per due time', async () => {
    const deps = { ...base, carrier: new FakeCarrier() };
    const tenantId = await fundedTenant(base, 1_000n);
    clock.set(new Date('2026-11-20T15:00:00Z'));
    const docs = await documentsOf(tenantId);
    const orders = await Promise.all(
      ['+15125559911', '+15125559912', '+15125559913'].map((n) => createPortingOrder(deps, systemActor(tenantId, n), { phoneNumbers: [n], documents: docs })),
    );
    clock.set(new Date('2026-12-02T15:00:00Z'));
    const runs = await Promise.all([advancePortingOrders(deps), advancePortingOrders(deps), advancePortingOrders(deps)]);
    // submitted → in_process → foc_date_confirmed → ported: 3 steps per order, whoever did them (the earlier
    // test's order moves too), and never one twice: exactly one event per state.
    expect(runs.reduce((sum, r) => sum + r.steps, 0)).toBeGreaterThanOrEqual(9);
    for (const o of orders) {
      const events = await base.prisma.event.findMany({ where: { resourceId: o.id }, select: { type: true } });
      expect(events.map((e) => e.type).sort()).toEqual(['porting_order.foc_date_confirmed', 'porting_order.in_process', 'porting_order.ported', 'porting_order.submitted']);
    }
    expect(await base.prisma.phoneNumber.count({ where: { tenantId, status: 'active' } })).toBe(3);
  });

  it('works against the carrier simulator through the adapter: answers agree with its lookup, CSRs exist exactly for portable numbers', async () => {
    const sim = createCarrierSimulator({ seed: 'porting-it', timeScale: 0.005 });
    try {
      const deps = { ...base, carrier: numberCarrierFrom(sim) };
      const actor = systemActor(await fundedTenant(base, 0n), 'sim');
      const numbers = Array.from({ length: 30 }, (_, i) => `+1512${String(2000000 + i * 7919).padStart(7, '0')}`);
      const answers = await checkPortability(deps, actor, numbers);
      expect(answers).toHaveLength(30);
      expect(answers.some((a) => a.portable)).toBe(true);
      expect(answers.some((a) => !a.portable)).toBe(true);
      for (const a of answers) {
        const lookup = await sim.lookup(a.phoneNumber, 'carrier');
        expect(a.losingCarrier).toBe(lookup.carrierName);
        expect(a.numberType).toBe(a.portable ? (lookup.networkType === 'mobile' ? 'mobile' : lookup.networkType === 'toll_free' ? 'toll_free' : 'local') : null);
      }
      const coverage = await csrCoverage(deps, actor, numbers);
      expect(coverage.map((c) => c.covered)).toEqual(answers.map((a) => a.portable));
      await expect(checkPortability(deps, actor, ['+1'])).rejects.toMatchObject({ code: 'invalid_request' });
      sim.controls.failNextCalls(1, 'porting');
      await expect(checkPortability(deps, actor, numbers.slice(0, 1))).rejects.toMatchObject({ code: 'upstream_error' });
    } finally {
      sim.close();
    }
  });

  it('with the simulator, a lost order response and lost events are recovered by polling', async () => {
    const sim = createCarrierSimulator({ seed: 'recovery-it', timeScale: 0.001, activationFailureRate: 0 });
    try {
      const deps = { ...base, carrier: numberCarrierFrom(sim) };
      const tenantId = await fundedTenant(base, 1_000n);
      const [offer] = await sim.searchInventory({ countryCode: 'US', numberType: 'local', limit: 1 });
      sim.controls.loseNextResponses(1, 'orderNumbers');
      clock.set(new Date('2026-11-16T12:00:00Z'));
      // Nobody listens to the carrier's events: as if the gateway was down when they came.
      await orderNumbers(deps, systemActor(tenantId, 'sim-order'), { phoneNumbers: [offer.phoneNumber], countryCode: 'US', numberType: 'local' });
      await new Promise((r) => setTimeout(r, 100));
      clock.set(new Date('2026-11-16T12:10:00Z'));
      let outcome = await recoverPendingNumbers(deps);
      for (let i = 0; i < 50 && outcome.activated === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        outcome = await recoverPendingNumbers(deps);
      }
      expect(outcome.activated).toBe(1);
      const row = await base.prisma.phoneNumber.findFirstOrThrow({ where: { e164: offer.phoneNumber } });
      expect(row).toMatchObject({ status: 'active', upstreamOrderId: expect.stringMatching(/^co_/) });
      // A listener attached late gets the replayed event; it changes nothing.
      const stop = startNumberActivation(deps, (err) => {
        throw err;
      });
      await new Promise((r) => setTimeout(r, 50));
      stop();
      expect(await base.prisma.ledgerEntry.count({ where: { tenantId, kind: 'number_monthly' } })).toBe(1);
    } finally {
      sim.close();
    }
  });
});
