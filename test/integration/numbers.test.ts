import { verifyLedger } from '../../src/billing/ledger.service';
import { ManualClock } from '../../src/platform/clock';
import { systemActor } from '../../src/platform/auth/scopes';
import { getPhoneNumber, orderNumbers, searchAvailable, startNumberActivation } from '../../src/numbers/numbers.service';
import { listPhoneNumbers } from '../../src/numbers/numbers.queries';
import { proratedMonthlyCents } from '../../src/numbers/pricing.service';
import { chargeMonthlyNumberFees } from '../../src/numbers/numbers.jobs';
import { getReservation, releaseReservation, reserveNumbers } from '../../src/numbers/reservations.service';
import { getDefaultConnection, listConnections } from '../../src/numbers/connections.service';
import { FakeCarrier } from '../helpers/fake-carrier';
import { testDatabaseUrl, truncateAll } from '../helpers/database';
import { fundedTenant, serviceDeps } from '../helpers/services';
import { waitFor } from '../helpers/wait';

describe('phone numbers', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  let carrier: FakeCarrier;
  let clock: ManualClock;
  let deps: typeof base;
  let stop: () => void;
  const errors: unknown[] = [];
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-11-16T12:00:00Z'));
    base = await serviceDeps({ poolSize: 45, clock });
  });
  beforeEach(async () => {
    await truncateAll(await testDatabaseUrl());
    carrier = new FakeCarrier();
    deps = { ...base, carrier };
    stop = startNumberActivation(deps, (err) => errors.push(err));
  });
  afterEach(() => {
    stop();
    expect(errors).toEqual([]);
  });
  afterAll(() => base.close());

  const actor = (tenantId: string) => systemActor(tenantId, 'req-test');
  const ledger = (tenantId: string) => base.prisma.ledgerEntry.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
  const balance = async (tenantId: string) => (await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balanceCents;
  /** Waits for each order's after-commit submission to reach the carrier (its numbers get the upstream order id). */
  const settleSubmissions = () => waitFor(async () => (await base.prisma.phoneNumber.count({ where: { status: 'pending', upstreamOrderId: null } })) === 0);

  it('prorates the first month by days left, rounded half up', () => {
    expect(proratedMonthlyCents(150n, new Date('2026-11-01T00:00:00Z'))).toBe(150n);
    expect(proratedMonthlyCents(150n, new Date('2026-11-16T12:00:00Z'))).toBe(75n); // 15/30
    expect(proratedMonthlyCents(150n, new Date('2026-11-30T23:59:00Z'))).toBe(5n); // 1/30
    expect(proratedMonthlyCents(100n, new Date('2026-02-27T00:00:00Z'))).toBe(7n); // 2/28 = 7.14
    expect(proratedMonthlyCents(15n, new Date('2026-11-30T00:00:00Z'))).toBe(1n); // 1/30*15 = 0.5 → 1 (half up)
  });

  it('every tenant has one default connection', async () => {
    const t = await fundedTenant(deps, 0n);
    const def = await getDefaultConnection(deps, actor(t));
    expect(def).toMatchObject({ isDefault: true, name: 'Default' });
    expect(await listConnections(deps, actor(t))).toEqual([def]);
  });

  it('searches with filters, prices from the tier and leaves out sold and reserved numbers', async () => {
    const a = await fundedTenant(deps, 10_000n);
    const b = await fundedTenant(deps, 10_000n);
    const all = await searchAvailable(deps, actor(a), { countryCode: 'us', numberType: 'local' });
    expect(all.map((n) => n.phoneNumber)).toHaveLength(6);
    expect(all[0]).toEqual({
      phoneNumber: '+15125550100', countryCode: 'US', region: 'TX', locality: 'Austin', numberType: 'local', capabilities: ['voice', 'sms'],
      pricing: { activationFeeCents: 100n, monthlyFeeCents: 150n },
    });
    expect((await searchAvailable(deps, actor(a), { countryCode: 'US', numberType: 'local', locality: 'austin', features: ['voice', 'mms'] })).map((n) => n.phoneNumber)).toEqual(['+15125550103']);
    expect((await searchAvailable(deps, actor(a), { countryCode: 'US', nationalDestinationCode: '212', limit: 1 })).map((n) => n.phoneNumber)).toEqual(['+12125550100']);
    await expect(searchAvailable(deps, actor(a), { countryCode: 'DE', numberType: 'toll_free' })).rejects.toMatchObject({ code: 'no_pricing_tier_configured' });
    // Without a type, unpriced types are simply not offered.
    expect((await searchAvailable(deps, actor(a), { countryCode: 'DE' })).map((n) => n.phoneNumber)).toEqual(['+493012345678']);

    await reserveNumbers(deps, actor(b), ['+15125550100']);
    await orderNumbers(deps, actor(b), { phoneNumbers: ['+15125550101'], countryCode: 'US', numberType: 'local' });
    const left = (await searchAvailable(deps, actor(a), { countryCode: 'US', numberType: 'local', locality: 'Austin' })).map((n) => n.phoneNumber);
    expect(left).toEqual(['+15125550102', '+15125550103']);
    await settleSubmissions();
  });

  it('a reservation blocks every other tenant until it expires or is let go', async () => {
    const a = await fundedTenant(deps, 10_000n);
    const b = await fundedTenant(deps, 10_000n);
    const r = await reserveNumbers(deps, actor(a), ['+15125550100', '+15125550101']);
    expect(r).toMatchObject({ status: 'active', phoneNumbers: ['+15125550100', '+15125550101'] });
    expect(r.expiresAt.getTime() - clock.now().getTime()).toBe(15 * 60 * 1000);
    await expect(reserveNumbers(deps, actor(b), ['+15125550101'])).rejects.toMatchObject({ code: 'order_invalid' });
    await expect(orderNumbers(deps, actor(b), { phoneNumbers: ['+15125550100'], countryCode: 'US', numberType: 'local' })).rejects.toMatchObject({ code: 'order_invalid' });
    await expect(reserveNumbers(deps, actor(b), ['+19995550100'])).rejects.toMatchObject({ code: 'order_invalid' });
    await expect(getReservation(deps, actor(b), r.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(getReservation(deps, actor(b), 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    expect(await balance(b)).toBe(10_000n);

    // Expired: the number is free again, for search and reservation alike.
    clock.set(new Date(r.expiresAt.getTime() + 1000));
    try {
      expect((await getReservation(deps, actor(a), r.id)).status).toBe('expired');
      expect((await searchAvailable(deps, actor(b), { countryCode: 'US', locality: 'Austin' })).map((n) => n.phoneNumber)).toContain('+15125550100');
      const rb = await reserveNumbers(deps, actor(b), ['+15125550101']);
      // Let go early: a third party can take it at once.
      expect((await releaseReservation(deps, actor(b), rb.id)).status).toBe('released');
      const c = await fundedTenant(deps, 1_000n);
      await orderNumbers(deps, actor(c), { phoneNumbers: ['+15125550101'], countryCode: 'US', numberType: 'local' });
      await settleSubmissions();
    } finally {
      clock.set(new Date('2026-11-16T12:00:00Z'));
    }
  });

  it('order → pending → active: one NRC debit, one pro-rated MRC debit, once even if the event comes twice; own reservation consumed', async () => {
    const t = await fundedTenant(deps, 1_000n);
    const r = await reserveNumbers(deps, actor(t), ['+15125550100']);
    const ordered = await orderNumbers(deps, actor(t), { phoneNumbers: ['+15125550101', '+15125550100'], countryCode: 'US', numberType: 'local' });
    expect(ordered).toEqual([
      expect.objectContaining({ e164: '+15125550100', status: 'pending', activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, connectionId: null, activatedAt: null, releasedAt: null }),
      expect.objectContaining({ e164: '+15125550101', status: 'pending' }),
    ]);
    expect((await getReservation(deps, actor(t), r.id)).status).toBe('released');
    expect(await balance(t)).toBe(800n);
    await settleSubmissions();
    expect(carrier.orders).toHaveLength(1);
    expect((await base.prisma.phoneNumber.findFirstOrThrow({ where: { e164: '+15125550100' } })).upstreamOrderId).toBe(carrier.orders[0].upstreamOrderId);

    const at = new Date('2026-11-16T12:00:05Z');
    const event = await carrier.settle('+15125550100', { at });
    await carrier.deliver(event);
    const active = await getPhoneNumber(deps, actor(t), ordered[0].id);
    expect(active).toMatchObject({ status: 'active', activatedAt: at });
    const entries = await ledger(t);
    expect(entries.filter((e) => e.kind === 'number_activation').map((e) => e.amountCents)).toEqual([-200n]);
    expect(entries.filter((e) => e.kind === 'number_monthly').map((e) => [e.amountCents, e.dedupeKey])).toEqual([[-75n, `number_monthly:${ordered[0].id}:2026-11`]]);
    expect(await balance(t)).toBe(725n);
    // One number_order.completed event per activated number (the repeated carrier event changed nothing).
    const events = await base.prisma.event.findMany({ where: { tenantId: t } });
    expect(events.map((e) => [e.type, e.resourceId, e.sequence])).toEqual([['number_order.completed', ordered[0].id, 1n]]);
    expect(events[0].data).toMatchObject({ id: ordered[0].id, e164: '+15125550100', status: 'active', activated_at: at.toISOString(), order_id: expect.any(String) });
    expect(await verifyLedger(base.prisma)).toEqual([]);
  });

  it('a failed activation ends failed with its reason and returns that number’s NRC once', async () => {
    const t = await fundedTenant(deps, 1_000n);
    const [n] = await orderNumbers(deps, actor(t), { phoneNumbers: ['+18005550100'], countryCode: 'US', numberType: 'toll_free' });
    await settleSubmissions();
    expect(await balance(t)).toBe(850n);
    const event = await carrier.settle('+18005550100', { reason: 'number withdrawn upstream' });
    await carrier.deliver(event);
    expect(await getPhoneNumber(deps, actor(t), n.id)).toMatchObject({ status: 'failed', failureReason: 'number withdrawn upstream' });
    expect(await balance(t)).toBe(1_000n);
    expect((await ledger(t)).filter((e) => e.kind === 'number_activation').map((e) => e.amountCents)).toEqual([-150n, 150n]);
    expect((await base.prisma.event.findMany({ where: { tenantId: t } })).map((e) => [e.type, e.data])).toEqual([
      ['number_order.failed', expect.objectContaining({ id: n.id, status: 'failed', failure_reason: 'number withdrawn upstream' })],
    ]);
    // The failed number is orderable again.
    await orderNumbers(deps, actor(t), { phoneNumbers: ['+18005550100'], countryCode: 'US', numberType: 'toll_free' });
    await settleSubmissions();
    expect(await verifyLedger(base.prisma)).toEqual([]);
  });

  it('an order the balance cannot cover answers 402 balance_insufficient and orders nothing', async () => {
    const t = await fundedTenant(deps, 150n);
    await expect(orderNumbers(deps, actor(t), { phoneNumbers: ['+15125550100', '+15125550101'], countryCode: 'US', numberType: 'local' })).rejects.toMatchObject({ code: 'balance_insufficient', status: 402 });
    expect(await base.prisma.phoneNumber.count({ where: { tenantId: t } })).toBe(0);
    expect(await balance(t)).toBe(150n);
    await settleSubmissions();
    expect(carrier.orders).toEqual([]);
  });

  it('refuses numbers not orderable as asked', async () => {
    const t = await fundedTenant(deps, 10_000n);
    const order = (phoneNumbers: string[], countryCode: string, numberType: string) => orderNumbers(deps, actor(t), { phoneNumbers, countryCode, numberType });
    await expect(order(['+15125550100'], 'US', 'toll_free')).rejects.toMatchObject({ code: 'order_invalid' });
    await expect(order(['+19995550199'], 'US', 'local')).rejects.toMatchObject({ code: 'order_invalid' });
    await expect(order(['+498001234567'], 'DE', 'toll_free')).rejects.toMatchObject({ code: 'no_pricing_tier_configured' });
    await expect(order(['nope'], 'US', 'local')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(order(['+15125550100'], 'US', 'landline')).rejects.toMatchObject({ code: 'invalid_request' });
    await order(['+15125550100'], 'US', 'local');
    await expect(order(['+15125550100'], 'US', 'local')).rejects.toMatchObject({ code: 'order_invalid' });
    await settleSubmissions();
  });

  it('two tenants racing 20 orders each for the same number: one owner, one NRC debit, the others order_invalid', async () => {
    const a = await fundedTenant(deps, 10_000n);
    const b = await fundedTenant(deps, 10_000n);
    const attempts = Array.from({ length: 40 }, (_, i) =>
      orderNumbers(deps, actor(i % 2 ? a : b), { phoneNumbers: ['+12125550101'], countryCode: 'US', numberType: 'local' }).then(
        () => 'ok',
        (err: { code?: string }) => err.code ?? String(err),
      ),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'order_invalid')).toHaveLength(39);
    const rows = await base.prisma.phoneNumber.findMany({ where: { e164: '+12125550101' } });
    expect(rows).toHaveLength(1);
    const debits = await base.prisma.ledgerEntry.findMany({ where: { tenantId: { in: [a, b] }, kind: 'number_activation' } });
    expect(debits).toHaveLength(1);
    expect(debits[0].tenantId).toBe(rows[0].tenantId);
    expect((await balance(a)) + (await balance(b))).toBe(19_900n);
    expect(await verifyLedger(base.prisma)).toEqual([]);
    await settleSubmissions();
  });

  it('isolates tenants on get and list, and lists with filters and cursors', async () => {
    const a = await fundedTenant(deps, 10_000n);
    const b = await fundedTenant(deps, 10_000n);
    const mine = await orderNumbers(deps, actor(a), { phoneNumbers: ['+15125550100', '+15125550101', '+15125550102'], countryCode: 'US', numberType: 'local' });
    await settleSubmissions();
    await carrier.settle('+15125550100');
    await expect(getPhoneNumber(deps, actor(b), mine[0].id)).rejects.toMatchObject({ code: 'number_not_found', status: 404 });
    await expect(getPhoneNumber(deps, actor(a), 'junk')).rejects.toMatchObject({ code: 'number_not_found' });
    expect((await listPhoneNumbers(deps, actor(b), {}, {})).nodes).toEqual([]);
    expect((await listPhoneNumbers(deps, actor(a), { status: 'active' }, {})).nodes.map((n) => n.e164)).toEqual(['+15125550100']);
    const first = await listPhoneNumbers(deps, actor(a), {}, { first: 2 });
    expect(first.hasNextPage).toBe(true);
    const second = await listPhoneNumbers(deps, actor(a), {}, { first: 2, after: first.endCursor });
    expect([...first.nodes, ...second.nodes].map((n) => n.e164).sort()).toEqual(['+15125550100', '+15125550101', '+15125550102']);
    await expect(listPhoneNumbers(deps, actor(a), { status: 'sold' }, {})).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('charges the MRC once a month, even when the job runs twice (or concurrently), and never past a release', async () => {
    const t = await fundedTenant(deps, 1_000n);
    const [n1, n2] = await orderNumbers(deps, actor(t), { phoneNumbers: ['+15125550100', '+15125550101'], countryCode: 'US', numberType: 'local' });
    await settleSubmissions();
    await carrier.settle('+15125550100', { at: new Date('2026-11-16T12:00:05Z') });
    await carrier.settle('+15125550101', { at: new Date('2026-11-16T12:00:06Z') });
    // In the activation month the pro-rata share was the month's fee.
    expect((await chargeMonthlyNumberFees(deps)).charged).toBe(0);
    await base.prisma.phoneNumber.update({ where: { id: n2.id }, data: { status: 'released', releasedAt: new Date('2026-11-20T00:00:00Z') } });
    clock.set(new Date('2026-12-01T00:30:00Z'));
    try {
      const runs = await Promise.all([chargeMonthlyNumberFees(deps), chargeMonthlyNumberFees(deps), chargeMonthlyNumberFees(deps)]);
      expect(runs.reduce((sum, r) => sum + r.charged, 0)).toBe(1);
      expect((await chargeMonthlyNumberFees(deps)).charged).toBe(0);
      const monthly = (await ledger(t)).filter((e) => e.kind === 'number_monthly').map((e) => [e.referenceId, e.amountCents, e.dedupeKey]);
      expect(monthly).toEqual([
        [n1.id, -75n, `number_monthly:${n1.id}:2026-11`],
        [n2.id, -75n, `number_monthly:${n2.id}:2026-11`],
        [n1.id, -150n, `number_monthly:${n1.id}:2026-12`],
      ]);
      expect(await verifyLedger(base.prisma)).toEqual([]);
    } finally {
      clock.set(new Date('2026-11-16T12:00:00Z'));
    }
  });
});
