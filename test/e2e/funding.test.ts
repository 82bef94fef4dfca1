import Stripe from 'stripe';
import { debit } from '../../src/billing/ledger.service';
import { verifyLedger } from '../../src/billing/ledger.service';
import { ServiceDeps } from '../../src/platform/service-deps';
import { createTestTenant, rest, startTestGateway, TestGateway, TestTenant, servicesOf } from '../helpers/gateway';

// The funding flow end to end: the gateway's real Stripe SDK against the local Stripe-compatible server, which
// delivers signed events to the gateway's webhook endpoint, exactly as Stripe would.
describe('card funding', () => {
  let gw: TestGateway;
  let stripe: Stripe; // the "frontend" (Stripe.js) side, confirming SetupIntents
  let deps: ServiceDeps;
  let t: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway();
    stripe = gw.stripe.payments.stripe;
    deps = servicesOf(gw);
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    t = await createTestTenant(gw.prisma);
  });

  const balance = async (tenant = t) => (await rest(gw.url, 'GET', '/v1/account', { key: tenant.key })).body.balance.amount_cents as number;
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** What a user does in the browser: a SetupIntent confirmed with a card through Stripe.js. */
  async function saveCard(tenant: TestTenant, testPm: string): Promise<string> {
    const r = await rest(gw.url, 'POST', '/v1/billing/setup-intent', { key: tenant.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ client_secret: expect.stringMatching(/^seti_\w+_secret_\w+$/), setup_intent_id: expect.stringMatching(/^seti_/), stripe_customer_id: expect.stringMatching(/^cus_/) });
    const confirmed = await stripe.setupIntents.confirm(r.body.setup_intent_id, { payment_method: testPm });
    // A 3DS card asks the customer to authenticate the setup too; they pass it in the browser.
    if (confirmed.status === 'requires_action') gw.stripe.local!.controls.completeAction(confirmed.id, true);
    return typeof confirmed.payment_method === 'string' ? confirmed.payment_method : confirmed.payment_method!.id;
  }

  it('saves a card, lists it, makes it the default and tops up: credited once Stripe confirms', async () => {
    const pm = await saveCard(t, 'pm_card_visa');
    const listed = await rest(gw.url, 'GET', '/v1/billing/payment-methods', { key: t.key });
    expect(listed.body).toEqual([{ id: pm, type: 'card', card: { brand: 'visa', last4: '4242', exp_month: expect.any(Number), exp_year: expect.any(Number) }, is_default: false }]);
    const made = await rest(gw.url, 'POST', `/v1/billing/payment-methods/${pm}`, { key: t.key });
    expect(made.body).toMatchObject({ id: pm, is_default: true });

    const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 5000 }, headers: { 'Idempotency-Key': 'top-1' } });
    expect(top.status).toBe(200);
    expect(top.body).toEqual({ payment_id: expect.any(String), status: 'succeeded', client_secret: expect.stringMatching(/^pi_\w+_secret_/), amount_cents: 5000, currency: 'USD' });
    await until(async () => (await balance()) === 5000, 'the webhook to credit the balance');

    // A replay answers the same payment and creates no second PaymentIntent.
    const again = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 5000 }, headers: { 'Idempotency-Key': 'top-1' } });
    expect(again.body.payment_id).toBe(top.body.payment_id);
    const customer = (await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).stripeCustomerId!;
    expect((await stripe.paymentIntents.list({ customer })).data).toHaveLength(1);
    expect(await balance()).toBe(5000);
    const payment = await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } });
    expect(payment).toMatchObject({ status: 'succeeded', amountCents: 5000n, purpose: 'top_up' });
    expect(await verifyLedger(gw.prisma)).toEqual([]);
  });

  it('refuses a top-up below the minimum, and one with no saved card, changing nothing', async () => {
    const low = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 100 } });
    expect(low.status).toBe(400);
    expect(low.body.error.code).toBe('topup_amount_too_low');
    const noCard = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 5000 } });
    expect(noCard.status).toBe(400);
    expect(noCard.body.error.code).toBe('payment_method_required');
    const fractional = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 50.5 } });
    expect(fractional.body.error.code).toBe('invalid_request');
    expect(await gw.prisma.payment.count({ where: { tenantId: t.tenantId } })).toBe(0);
  });

  it('3-D Secure: requires_action with a client secret, credited after the customer passes it', async () => {
    const pm = await saveCard(t, 'pm_card_threeDSecureRequired');
    const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 2500, payment_method_id: pm } });
    expect(top.body.status).toBe('requires_action');
    expect(await balance()).toBe(0);
    const intent = (await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } })).stripePaymentIntentId!;
    gw.stripe.local!.controls.completeAction(intent, true);
    await until(async () => (await balance()) === 2500, '3DS completion to credit the balance');
  });

  it('a declined card answers 402 card_declined and changes nothing', async () => {
    const pm = await saveCard(t, 'pm_card_chargeCustomerFail'); // attaches fine, every charge declined
    const r = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 5000, payment_method_id: pm } });
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe('card_declined');
    expect(await balance()).toBe(0);
  });

  it('another tenant’s card is not found', async () => {
    const other = await createTestTenant(gw.prisma);
    const pm = await saveCard(other, 'pm_card_visa');
    await saveCard(t, 'pm_card_visa');
    expect((await rest(gw.url, 'DELETE', `/v1/billing/payment-methods/${pm}`, { key: t.key })).status).toBe(404);
    expect((await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 5000, payment_method_id: pm } })).status).toBe(404);
    expect((await rest(gw.url, 'GET', '/v1/billing/payment-methods', { key: other.key })).body).toHaveLength(1);
  });

  describe('the Stripe webhook', () => {
    /** A top-up whose payment_intent.succeeded has not been delivered: the test delivers it. */
    async function undeliveredSuccess(): Promise<{ payload: string; paymentId: string }> {
      const pm = await saveCard(t, 'pm_card_visa');
      gw.stripe.local!.setWebhookUrl(undefined);
      try {
        const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 3000, payment_method_id: pm } });
        const intent = (await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } })).stripePaymentIntentId!;
        const events = await stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 });
        const event = events.data.find((e) => (e.data.object as { id: string }).id === intent)!;
        return { payload: JSON.stringify(event), paymentId: top.body.payment_id };
      } finally {
        gw.stripe.gatewayListening(gw.url);
      }
    }
    const deliver = (payload: string, signature: string) =>
      fetch(`${gw.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    const sign = (payload: string, secret = gw.stripe.payments.webhookSecret) => stripe.webhooks.generateTestHeaderString({ payload, secret });

    it('50 concurrent deliveries of one payment_intent.succeeded credit once', async () => {
      const { payload, paymentId } = await undeliveredSuccess();
      const responses = await Promise.all(Array.from({ length: 50 }, () => deliver(payload, sign(payload))));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(await balance()).toBe(3000);
      expect(await gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, referenceId: paymentId } })).toBe(1);
    });

    it('refuses a tampered body, a wrong secret and a stale signature with 400, changing nothing', async () => {
      const { payload } = await undeliveredSuccess();
      const tampered = payload.replace('"amount":3000', '"amount":300000');
      const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: gw.stripe.payments.webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 3600 });
      for (const [body, signature] of [[tampered, sign(payload)], [payload, sign(payload, 'whsec_wrong')], [payload, stale], [payload, '']]) {
        const r = await deliver(body, signature);
        expect(r.status).toBe(400);
        expect(((await r.json()) as any).error.code).toBe('invalid_request');
      }
      expect(await balance()).toBe(0);
    });
  });

  describe('auto-recharge', () => {
    it('20 concurrent debits crossing the threshold start exactly one charge, credited once', async () => {
      const pm = await saveCard(t, 'pm_card_visa');
      await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 2000, payment_method_id: pm } });
      await until(async () => (await balance()) === 2000, 'the first top-up');
      const cfg = await rest(gw.url, 'POST', '/v1/billing/auto-recharge', { key: t.key, body: { threshold_cents: 1500, amount_cents: 5000, payment_method_id: pm } });
      expect(cfg.body).toMatchObject({ enabled: true, threshold_cents: 1500, amount_cents: 5000, failed_at: null });

      await Promise.all(Array.from({ length: 20 }, (_, i) => debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 50n, description: `fee ${i}` })));
      await until(async () => (await balance()) === 2000 - 1000 + 5000, 'the auto-recharge credit');
      await new Promise((r) => setTimeout(r, 300)); // would a second charge have been started, it would show now
      const recharges = await gw.prisma.payment.findMany({ where: { tenantId: t.tenantId, purpose: 'auto_recharge' } });
      expect(recharges).toHaveLength(1);
      expect(recharges[0].status).toBe('succeeded');
      expect(await balance()).toBe(6000);
      expect((await gw.prisma.autoRechargeSetting.findUniqueOrThrow({ where: { tenantId: t.tenantId } })).inFlightPaymentId).toBeNull();
    });

    it('a declined recharge disables it, records why, and then refusals say auto_recharge_failed', async () => {
      const good = await saveCard(t, 'pm_card_visa');
      await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 1000, payment_method_id: good } });
      await until(async () => (await balance()) === 1000, 'the first top-up');
      const bad = await saveCard(t, 'pm_card_chargeCustomerFail');
      await rest(gw.url, 'POST', '/v1/billing/auto-recharge', { key: t.key, body: { threshold_cents: 800, amount_cents: 5000, payment_method_id: bad } });

      await debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 300n, description: 'crosses the threshold' });
      await until(async () => !!(await gw.prisma.autoRechargeSetting.findUniqueOrThrow({ where: { tenantId: t.tenantId } })).failedAt, 'the failure to be recorded');
      const setting = await gw.prisma.autoRechargeSetting.findUniqueOrThrow({ where: { tenantId: t.tenantId } });
      expect(setting).toMatchObject({ enabled: false, failureReason: expect.stringMatching(/declined/i) });
      expect(await gw.prisma.auditEntry.count({ where: { tenantId: t.tenantId, action: 'billing.auto_recharge_failed' } })).toBe(1);

      await expect(debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 1000n, description: 'too much' })).rejects.toMatchObject({ code: 'auto_recharge_failed', status: 402 });
      // Re-enabling with a working card clears the failure.
      await rest(gw.url, 'POST', '/v1/billing/auto-recharge', { key: t.key, body: { threshold_cents: 100, amount_cents: 5000, payment_method_id: good } });
      await expect(debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 1000n, description: 'too much' })).rejects.toMatchObject({ code: 'balance_insufficient' });
    });
  });
});
