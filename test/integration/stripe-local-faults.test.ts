import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { LocalStripe } from '../../src/payments/stripe-local';
import { WebhookReceiver, startTestStripe, startWebhookReceiver, stripeClientFor, testControl } from '../helpers/stripe';

/** Fault injection and webhook delivery behaviour, for the gateway's hardening tests to build on. */
describe('local Stripe faults and webhook delivery', () => {
  let local: LocalStripe;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    ({ local, stripe } = await startTestStripe({ deliveryRetry: { attempts: 4, baseDelayMs: 30, timeoutMs: 500 } }));
    receiver = await startWebhookReceiver(stripe, local.webhookSecret);
    local.setWebhookUrl(receiver.url);
  });

  afterEach(async () => {
    await local.close();
    await receiver.close();
  });

  async function payOnce(amount = 1000, client = stripe) {
    return client.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] });
  }

  it('answers the next N calls with 500 api_error; the SDK retries them with the same idempotency key', async () => {
    const set = await testControl(local, 'POST', '/_test/faults', { fail_next: 1, fail_matching: 'POST /v1/payment_intents' });
    expect(set.body).toMatchObject({ fail_next: 1, fail_matching: 'POST /v1/payment_intents' });
    const pi = await payOnce();
    expect(pi.status).toBe('succeeded');
    expect((await stripe.paymentIntents.list({ limit: 100 })).data).toHaveLength(1);

    local.controls.setFaults({ failNext: 1, failMatching: null });
    const noRetries = stripeClientFor(local, { maxNetworkRetries: 0 });
    await expect(noRetries.customers.create({ email: 'x@example.com' })).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
    expect((await testControl(local, 'GET', '/_test/faults')).body.fail_next).toBe(0);
  });

  it('adds latency, and a concurrent duplicate of an idempotent call gets the first one’s result', async () => {
    local.controls.setFaults({ latencyMs: 300 });
    const started = Date.now();
    const params: Stripe.PaymentIntentCreateParams = { amount: 1234, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] };
    const [a, b] = await Promise.all([
      stripe.paymentIntents.create(params, { idempotencyKey: 'same-click' }),
      stripe.paymentIntents.create(params, { idempotencyKey: 'same-click' }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(a.id).toBe(b.id);
    local.controls.resetFaults();
    expect((await stripe.charges.list({ payment_intent: a.id })).data).toHaveLength(1);
  });

  it('retries a failing webhook endpoint with backoff and records every attempt', async () => {
    receiver.failNext(2, 503);
    // One call, one event (customer.created), so the two failures are that event's first two attempts.
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    const event = await receiver.waitFor((e) => e.type === 'customer.created' && (e.data.object as Stripe.Customer).id === customer.id);
    // The receiver has the event a moment before the server has written down the attempt.
    await waitUntil(() => local.deliveries().some((d) => d.eventId === event.id && d.ok));
    const attempts = local.deliveries().filter((d) => d.eventId === event.id);
    expect(attempts.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    // Backoff: 30 ms, then 60 ms.
    expect(attempts[2].startedAt - attempts[0].startedAt).toBeGreaterThanOrEqual(90);
    const listed = await testControl(local, 'GET', `/_test/deliveries?event=${event.id}`);
    expect(listed.body.data).toHaveLength(3);
    await waitUntil(async () => (await stripe.events.retrieve(event.id)).pending_webhooks === 0);
  });

  it('gives up after the configured attempts and never blocks the API', async () => {
    await receiver.close();
    // An endpoint that takes the connection and never answers: each attempt waits out the 500 ms timeout, so an
    // API call that waited for its events' deliveries would take over 2 s (4 attempts of each event).
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      local.setWebhookUrl(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/silent`);
      const started = Date.now();
      await payOnce();
      expect(Date.now() - started).toBeLessThan(1500);
      const eventIds = () => new Set(local.deliveries().map((d) => d.eventId));
      const attemptsOf = (id: string) => local.deliveries().filter((d) => d.eventId === id).length;
      await waitUntil(() => eventIds().size > 0 && [...eventIds()].every((id) => attemptsOf(id) === 4), 20_000);
      await new Promise((r) => setTimeout(r, 400)); // and no fifth
      expect([...eventIds()].map(attemptsOf).every((n) => n === 4)).toBe(true);
      expect(local.deliveries().every((d) => !d.ok && d.status === null)).toBe(true);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('delivers every event twice when asked to', async () => {
    await testControl(local, 'POST', '/_test/faults', { duplicate_deliveries: true });
    const pi = await payOnce();
    await waitUntil(() => receiver.events().filter((e) => e.type === 'payment_intent.succeeded').length === 2);
    const copies = receiver.events().filter((e) => e.type === 'payment_intent.succeeded');
    expect(copies.map((e) => e.id)).toEqual([copies[0].id, copies[0].id]);
    expect((copies[0].data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(local.deliveries().some((d) => d.reason === 'duplicate')).toBe(true);
  });

  it('delivers the events of one call in reverse order when asked to', async () => {
    await payOnce();
    await local.controls.deliveriesSettled();
    const inOrder: string[] = receiver.events().map((e) => e.type);
    expect(inOrder).toEqual(['payment_intent.created', 'payment_method.attached', 'charge.succeeded', 'payment_intent.succeeded'].filter((t) => inOrder.includes(t)));
    expect(inOrder.indexOf('payment_intent.created')).toBeLessThan(inOrder.indexOf('payment_intent.succeeded'));

    receiver.received.length = 0;
    local.controls.setFaults({ outOfOrderDeliveries: true });
    await payOnce();
    await local.controls.deliveriesSettled();
    const reversed = receiver.events().map((e) => e.type);
    expect(reversed.indexOf('payment_intent.succeeded')).toBeLessThan(reversed.indexOf('charge.succeeded'));
    expect(reversed.indexOf('charge.succeeded')).toBeLessThan(reversed.indexOf('payment_intent.created'));
  });

  it('re-sends an event on request, with a fresh signature', async () => {
    const pi = await payOnce();
    const event = await receiver.waitFor((e) => e.type === 'payment_intent.succeeded' && (e.data.object as Stripe.PaymentIntent).id === pi.id);
    const resent = await testControl(local, 'POST', `/_test/events/${event.id}/resend`);
    expect(resent.status).toBe(200);
    await waitUntil(() => local.deliveries().filter((d) => d.eventId === event.id && d.ok).length === 2);
    expect(receiver.events().filter((e) => e.id === event.id)).toHaveLength(2);
    expect(local.deliveries().filter((d) => d.eventId === event.id).map((d) => d.reason)).toEqual(['event', 'resend']);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
