import Stripe from 'stripe';
import { verifyLedger } from '../../src/billing/ledger.service';
import { createTestTenant, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// Card funding while Stripe misbehaves: its events arrive reversed, twice, or stale (a failure after the
// success), and its API is slow or failing. Funds are credited exactly once and the payment ends in the state
// Stripe holds. (Fifty concurrent copies of one event, and forged signatures: funding.test.ts.)
describe('card funding with Stripe misbehaving', () => {
  let gw: TestGateway;
  let stripe: Stripe;
  let t: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway();
    stripe = gw.stripe.payments.stripe;
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    gw.stripe.local!.controls.resetFaults();
    t = await createTestTenant(gw.prisma);
  });

  const local = () => gw.stripe.local!;
  const balance = async () => (await rest(gw.url, 'GET', '/v1/account', { key: t.key })).body.balance.amount_cents as number;
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const topUpEntries = (paymentId: string) => gw.prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'top_up', referenceId: paymentId } });
  const paymentOf = (id: string) => gw.prisma.payment.findUniqueOrThrow({ where: { id } });

  async function saveCard(testPm: string): Promise<string> {
    const r = await rest(gw.url, 'POST', '/v1/billing/setup-intent', { key: t.key });
    const confirmed = await stripe.setupIntents.confirm(r.body.setup_intent_id, { payment_method: testPm });
    if (confirmed.status === 'requires_action') local().controls.completeAction(confirmed.id, true);
    return typeof confirmed.payment_method === 'string' ? confirmed.payment_method : confirmed.payment_method!.id;
  }
  const topUp = (pm: string, amount: number, key?: string) =>
    rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: amount, payment_method_id: pm }, headers: key ? { 'Idempotency-Key': key } : {} });
  /** Deliveries of the intent's payment_intent.succeeded event that the gateway answered 2xx. */
  const successDeliveries = async (intentId: string) => {
    const event = (await stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 })).data.find((e) => (e.data.object as { id: string }).id === intentId);
    return event ? local().deliveries().filter((d) => d.eventId === event.id && d.ok).length : 0;
  };

  it('events reversed and each delivered twice: credited once, the payment succeeded', async () => {
    const pm = await saveCard('pm_card_visa');
    local().controls.setFaults({ outOfOrderDeliveries: true, duplicateDeliveries: true });
    const top = await topUp(pm, 4000, 'reversed-twice');
    expect(top.status).toBe(200);
    await until(async () => (await balance()) === 4000, 'the credit');
    const intent = (await paymentOf(top.body.payment_id)).stripePaymentIntentId!;
    // Both deliveries of the success have been answered 2xx (the duplicate came after the first was applied).
    await until(async () => (await successDeliveries(intent)) >= 2, 'the duplicate delivery');
    await local().controls.deliveriesSettled();
    expect(await balance()).toBe(4000);
    expect(await topUpEntries(top.body.payment_id)).toBe(1);
    expect((await paymentOf(top.body.payment_id)).status).toBe('succeeded');
  });

  it('3-D Secure: success delivered before requires_action, then a stale failure: stays succeeded, credited once', async () => {
    const pm = await saveCard('pm_card_threeDSecureRequired');
    // Nothing reaches the gateway until the test delivers it, in the order it chooses.
    local().setWebhookUrl(undefined);
    let intent: string;
    let paymentId: string;
    try {
      const top = await topUp(pm, 2500);
      expect(top.body.status).toBe('requires_action');
      paymentId = top.body.payment_id;
      intent = (await paymentOf(paymentId)).stripePaymentIntentId!;
      local().controls.completeAction(intent, true);
    } finally {
      gw.stripe.gatewayListening(gw.url);
    }
    const events = (await stripe.events.list({ limit: 100 })).data.filter((e) => (e.data.object as { id: string }).id === intent);
    const byType = (type: string) => events.find((e) => e.type === type)!;
    for (const type of ['payment_intent.succeeded', 'payment_intent.requires_action', 'payment_intent.succeeded']) local().controls.resendEvent(byType(type).id);
    await local().controls.deliveriesSettled();
    await until(async () => (await balance()) === 2500, 'the credit');

    // A failure event for the same intent (a stale one, from an attempt before the success) changes nothing:
    // the gateway asks Stripe for the intent's state instead of believing the payload.
    const stale = JSON.stringify({ ...byType('payment_intent.requires_action'), id: 'evt_stale_failure', type: 'payment_intent.payment_failed' });
    const answer = await fetch(`${gw.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: stale, secret: gw.stripe.payments.webhookSecret }) },
      body: stale,
    });
    expect(answer.status).toBe(200);
    expect(await paymentOf(paymentId)).toMatchObject({ status: 'succeeded', failureReason: null });
    expect(await balance()).toBe(2500);
    expect(await topUpEntries(paymentId)).toBe(1);
  });

  it('a slow Stripe failing twice: the SDK retries with the same key, one PaymentIntent, credited once', async () => {
    const pm = await saveCard('pm_card_visa');
    local().controls.setFaults({ latencyMs: 200, failNext: 2, failMatching: 'POST /v1/payment_intents' });
    const top = await topUp(pm, 3000, 'slow-failing');
    expect(top.status).toBe(200);
    expect(local().controls.setFaults({}).failNext).toBe(0); // both failures were used up by the retries
    await until(async () => (await balance()) === 3000, 'the credit');
    const customer = (await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).stripeCustomerId!;
    expect((await stripe.paymentIntents.list({ customer })).data).toHaveLength(1);
    expect(await topUpEntries(top.body.payment_id)).toBe(1);
  });

  it('Stripe failing beyond the retries: 502 upstream_error, nothing recorded; the same key succeeds once later', async () => {
    const pm = await saveCard('pm_card_visa');
    local().controls.setFaults({ failNext: 10, failMatching: 'POST /v1/payment_intents' });
    const failed = await topUp(pm, 2000, 'stripe-down');
    expect([failed.status, failed.body.error.code]).toEqual([502, 'upstream_error']);
    expect(await gw.prisma.payment.count({ where: { tenantId: t.tenantId } })).toBe(0);
    local().controls.resetFaults();

    const [again, twice] = await Promise.all([topUp(pm, 2000, 'stripe-down'), topUp(pm, 2000, 'stripe-down')]);
    expect([again.status, twice.status]).toEqual([200, 200]);
    expect(twice.body.payment_id).toBe(again.body.payment_id);
    await until(async () => (await balance()) === 2000, 'the credit');
    await local().controls.deliveriesSettled();
    const customer = (await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).stripeCustomerId!;
    expect((await stripe.paymentIntents.list({ customer })).data.filter((i) => i.status === 'succeeded')).toHaveLength(1);
    expect(await topUpEntries(again.body.payment_id)).toBe(1);
    expect(await verifyLedger(gw.prisma)).toEqual([]);
  });
});
