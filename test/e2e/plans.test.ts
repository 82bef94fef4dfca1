import { credit, verifyLedger } from '../../src/billing/ledger.service';
import { effectivePricing, renewSubscriptions, setMarkupOverride } from '../../src/billing/plans.service';
import { systemActor } from '../../src/platform/auth/scopes';
import { ManualClock } from '../../src/platform/clock';
import { ServiceDeps } from '../../src/platform/service-deps';
import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant, servicesOf } from '../helpers/gateway';

describe('plans and subscriptions', () => {
  let gw: TestGateway;
  let deps: ServiceDeps;
  let t: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway();
    deps = servicesOf(gw);
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    t = await createTestTenant(gw.prisma);
  });

  const fund = (cents: bigint) => credit(deps, { tenantId: t.tenantId, kind: 'adjustment', amountCents: cents, description: 'test funds' });

  it('lists the public plans exactly as the spec', async () => {
    const r = await rest(gw.url, 'GET', '/v1/billing/plans', { key: t.key });
    expect(r.status).toBe(200);
    expect(r.body[0]).toEqual({
      slug: 'starter',
      name: 'Starter',
      monthly_fee_cents: 0,
      included_minutes: 0,
      markup_percent_bps: 4000,
      line_items: [
        { kind: 'voice_minute', unit_amount_cents: 0, unit_label: 'minute', is_metered: true },
        { kind: 'phone_number', unit_amount_cents: 150, unit_label: 'number', is_metered: false },
      ],
    });
    expect(r.body[1]).toMatchObject({ slug: 'growth', name: 'Growth', monthly_fee_cents: 9900, included_minutes: 5000, markup_percent_bps: 3000 });
  });

  it('refuses an unknown or non-public plan with 422 subscription_invalid', async () => {
    await gw.prisma.plan.create({ data: { slug: 'enterprise', name: 'Enterprise', monthlyFeeCents: 0n, includedMinutes: 0, markupPercentBps: 1000, isPublic: false, lineItems: [] } });
    try {
      for (const slug of ['platinum', 'enterprise']) {
        const r = await rest(gw.url, 'POST', '/v1/billing/subscription', { key: t.key, body: { plan_slug: slug } });
        expect(r.status).toBe(422);
        expect(r.body.error.code).toBe('subscription_invalid');
      }
    } finally {
      await gw.prisma.plan.delete({ where: { slug: 'enterprise' } });
    }
  });

  it('debits the monthly fee when the period starts, or refuses with 402 and subscribes nothing', async () => {
    const poor = await rest(gw.url, 'POST', '/v1/billing/subscription', { key: t.key, body: { plan_slug: 'growth' } });
    expect(poor.status).toBe(402);
    expect(poor.body.error.code).toBe('balance_insufficient');
    expect(await gw.prisma.subscription.count({ where: { tenantId: t.tenantId } })).toBe(0);

    await fund(10_000n);
    const sub = await rest(gw.url, 'POST', '/v1/billing/subscription', { key: t.key, body: { plan_slug: 'growth' }, headers: { 'Idempotency-Key': 'sub-1' } });
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ plan_slug: 'growth', status: 'active', cancel_at_period_end: false, canceled_at: null });
    const again = await rest(gw.url, 'POST', '/v1/billing/subscription', { key: t.key, body: { plan_slug: 'growth' }, headers: { 'Idempotency-Key': 'sub-1' } });
    expect(again.body.id).toBe(sub.body.id);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: t.key })).body.balance.amount_cents).toBe(100);
    expect((await rest(gw.url, 'GET', '/v1/billing/subscription', { key: t.key })).body.id).toBe(sub.body.id);
    expect(await effectivePricing(gw.prisma, t.tenantId)).toMatchObject({ markupBps: 3000, includedMinutes: 5000 });
  });

  it('cancels at period end, and the renewal job ends it then; an uncancelled one renews and is charged once', async () => {
    await fund(30_000n);
    await rest(gw.url, 'POST', '/v1/billing/subscription', { key: t.key, body: { plan_slug: 'growth' } });
    const cancelled = await rest(gw.url, 'DELETE', '/v1/billing/subscription', { key: t.key });
    expect(cancelled.body).toMatchObject({ status: 'active', cancel_at_period_end: true });

    const other = await createTestTenant(gw.prisma);
    await credit(deps, { tenantId: other.tenantId, kind: 'adjustment', amountCents: 30_000n, description: 'funds' });
    await gql(gw.url, 'mutation { subscribeToPlan(input: { planSlug: "growth" }) { id } }', { key: other.key });

    const clock = new ManualClock(new Date(Date.now() + 32 * 86_400_000));
    const later = { ...deps, clock };
    // Two runs at once (two gateway instances): each subscription is renewed or ended by exactly one of them.
    const [first, second] = await Promise.all([renewSubscriptions(later), renewSubscriptions(later)]);
    const due = await gw.prisma.subscription.count({ where: { canceledAt: null, cancelAtPeriodEnd: false } });
    expect(first.renewed + second.renewed).toBe(due);
    expect(first.ended + second.ended).toBeGreaterThanOrEqual(1);
    expect((await rest(gw.url, 'GET', '/v1/billing/subscription', { key: t.key })).status).toBe(404);
    const fees = await gw.prisma.ledgerEntry.count({ where: { tenantId: other.tenantId, kind: 'plan_fee' } });
    expect(fees).toBe(2);
    expect(await renewSubscriptions(later)).toEqual({ renewed: 0, ended: 0 });
    expect(await verifyLedger(gw.prisma)).toEqual([]);
  });

  it('a per-tenant markup override wins over the plan; without either, the default applies', async () => {
    expect(await effectivePricing(gw.prisma, t.tenantId)).toMatchObject({ markupBps: 4000, includedMinutes: 0 });
    await setMarkupOverride(deps, systemActor(t.tenantId, 'test'), 2500);
    expect((await effectivePricing(gw.prisma, t.tenantId)).markupBps).toBe(2500);
  });

  it('lists payments in the spec’s row shape, filtered by status and cursor-paginated', async () => {
    for (const [i, status] of (['succeeded', 'failed', 'succeeded'] as const).entries()) {
      await gw.prisma.payment.create({ data: { tenantId: t.tenantId, amountCents: BigInt(1000 * (i + 1)), status, purpose: 'top_up', stripePaymentIntentId: `pi_test_${t.tenantId}_${i}` } });
    }
    const page1 = await rest(gw.url, 'GET', '/v1/billing/payments?status=succeeded&limit=1', { key: t.key });
    expect(page1.body.data).toEqual([
      { id: expect.any(String), amount_cents: 3000, amount_refunded_cents: 0, currency: 'USD', status: 'succeeded', stripe_payment_intent_id: `pi_test_${t.tenantId}_2`, created_at: expect.any(String) },
    ]);
    const page2 = await rest(gw.url, 'GET', `/v1/billing/payments?status=succeeded&limit=1&cursor=${page1.body.meta.next_cursor}`, { key: t.key });
    expect(page2.body.data.map((p: any) => p.amount_cents)).toEqual([1000]);
    expect(page2.body.meta.next_cursor).toBeNull();
    const other = await createTestTenant(gw.prisma);
    expect((await rest(gw.url, 'GET', '/v1/billing/payments', { key: other.key })).body.data).toEqual([]);
  });
});
