import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { LocalStripe } from '../../src/payments/stripe-local';
import { ReceivedWebhook, WebhookReceiver, startTestStripe, startWebhookReceiver, stripeClientFor, testControl } from '../helpers/stripe';

/** Everything here goes through the real `stripe` SDK over HTTP, as the gateway will. */
describe('local Stripe server', () => {
  let local: LocalStripe;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    ({ local, stripe } = await startTestStripe({ deliveryRetry: { attempts: 4, baseDelayMs: 50, timeoutMs: 1000 } }));
    receiver = await startWebhookReceiver(stripe, local.webhookSecret);
    local.setWebhookUrl(receiver.url);
  });

  afterAll(async () => {
    await local.close();
    await receiver.close();
  });

  beforeEach(() => {
    local.controls.resetFaults();
  });

  async function customerWithCard(paymentMethod = 'pm_card_visa') {
    const customer = await stripe.customers.create({ email: 'ops@example.com', name: 'Example Voice', metadata: { tenant_id: 't_1' } });
    const setup = await stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ['card'], usage: 'off_session' });
    const confirmed = await stripe.setupIntents.confirm(setup.id, { payment_method: paymentMethod });
    return { customer, setup: confirmed, pmId: confirmed.payment_method as string };
  }

  it('saves a card through a SetupIntent and lists it on the customer', async () => {
    const customer = await stripe.customers.create({ email: 'ops@example.com', name: 'Example Voice', metadata: { tenant_id: 't_1' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'ops@example.com', metadata: { tenant_id: 't_1' }, livemode: false });
    expect(customer.id).toMatch(/^cus_/);
    expect(Number.isInteger(customer.created)).toBe(true);

    const setup = await stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ['card'], usage: 'off_session' });
    expect(setup.status).toBe('requires_payment_method');
    expect(setup.client_secret).toMatch(new RegExp(`^${setup.id}_secret_\\w+$`));

    const confirmed = await stripe.setupIntents.confirm(setup.id, { payment_method: 'pm_card_visa' });
    expect(confirmed.status).toBe('succeeded');
    const pmId = confirmed.payment_method as string;
    expect(pmId).toMatch(/^pm_(?!card_)/);

    const pm = await stripe.paymentMethods.retrieve(pmId);
    expect(pm.customer).toBe(customer.id);
    expect(pm.card).toMatchObject({ brand: 'visa', last4: '4242', funding: 'credit' });

    const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed).toMatchObject({ object: 'list', has_more: false, url: `/v1/customers/${customer.id}/payment_methods` });
    expect(listed.data.map((m) => m.id)).toEqual([pmId]);
    const alsoListed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(alsoListed.data.map((m) => m.id)).toEqual([pmId]);

    await receiver.waitFor((e) => e.type === 'setup_intent.succeeded' && (e.data.object as Stripe.SetupIntent).id === setup.id);
    await receiver.waitFor((e) => e.type === 'payment_method.attached' && (e.data.object as Stripe.PaymentMethod).id === pmId);
  });

  it('creates card PaymentMethods from raw numbers and refuses a bad number', async () => {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '5555555555554444', exp_month: 12, exp_year: 2031, cvc: '123' } });
    expect(pm.card).toMatchObject({ brand: 'mastercard', last4: '4444', exp_month: 12, exp_year: 2031, checks: { cvc_check: 'pass' } });
    await expect(stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424241', exp_month: 12, exp_year: 2031 } })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'incorrect_number',
      statusCode: 402,
    });
  });

  it('sets the default payment method with a customer update', async () => {
    const { customer, pmId } = await customerWithCard();
    const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pmId } });
    expect(updated.invoice_settings.default_payment_method).toBe(pmId);
    const expanded = await stripe.customers.retrieve(customer.id, { expand: ['invoice_settings.default_payment_method'] });
    expect(((expanded as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe('4242');

    const other = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 1, exp_year: 2032 } });
    await expect(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: other.id } })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      param: 'invoice_settings[default_payment_method]',
    });
  });

  it('charges a saved card off-session and delivers a signed payment_intent.succeeded', async () => {
    const { customer, pmId } = await customerWithCard();
    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pmId,
      off_session: true,
      confirm: true,
      metadata: { tenant_id: 't_1', topup: 'yes' },
      description: 'voepy top-up',
    });
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 5000, amount_received: 5000, currency: 'usd', customer: customer.id });
    expect(pi.latest_charge).toMatch(/^ch_/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));

    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 5000, amount_refunded: 0, refunded: false, payment_intent: pi.id });

    const event = await receiver.waitFor((e) => e.type === 'payment_intent.succeeded' && (e.data.object as Stripe.PaymentIntent).id === pi.id);
    expect(event.id).toMatch(/^evt_/);
    expect(event.data.object).toMatchObject({ id: pi.id, status: 'succeeded', metadata: { tenant_id: 't_1', topup: 'yes' } });
    const delivery = receiver.received.find((r) => r.event?.id === event.id) as ReceivedWebhook;
    expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    // The same bytes with one character changed must not verify.
    const tampered = delivery.rawBody.replace('"amount": 5000', '"amount": 9000');
    expect(tampered).not.toBe(delivery.rawBody);
    expect(() => stripe.webhooks.constructEvent(tampered, delivery.signature, local.webhookSecret)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);

    const fetched = await stripe.events.retrieve(event.id);
    expect(fetched.type).toBe('payment_intent.succeeded');
  });

  it('asks for 3DS on-session, and completing it through the test control succeeds', async () => {
    const { customer, pmId } = await customerWithCard('pm_card_visa');
    const threeDs = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    expect(threeDs.card?.last4).toBe('3184');
    expect(pmId).not.toBe(threeDs.id);

    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', customer: customer.id, payment_method: threeDs.id, confirm: true, allowed_payment_method_types: ['card'] });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('use_stripe_sdk');
    await receiver.waitFor((e) => e.type === 'payment_intent.requires_action' && (e.data.object as Stripe.PaymentIntent).id === pi.id);

    const completed = await testControl(local, 'POST', `/_test/intents/${pi.id}/complete_action`);
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('succeeded');
    const after = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(after.status).toBe('succeeded');
    expect((after.latest_charge as Stripe.Charge).payment_method_details?.card?.three_d_secure?.result).toBe('authenticated');
    await receiver.waitFor((e) => e.type === 'payment_intent.succeeded' && (e.data.object as Stripe.PaymentIntent).id === pi.id);
  });

  it('fails an off-session payment on a card that always needs 3DS with authentication_required', async () => {
    const { customer, setup } = await customerWithCard('pm_card_authenticationRequired');
    expect(setup.status).toBe('requires_action');
    await testControl(local, 'POST', `/_test/intents/${setup.id}/complete_action`);
    const done = await stripe.setupIntents.retrieve(setup.id);
    expect(done.status).toBe('succeeded');
    const pmId = done.payment_method as string;

    const err = await stripe.paymentIntents
      .create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pmId, off_session: true, confirm: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code: 'authentication_required', decline_code: 'authentication_required' });
    const piId = (err as Stripe.errors.StripeCardError).payment_intent!.id;
    const pi = await stripe.paymentIntents.retrieve(piId);
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.last_payment_error?.code).toBe('authentication_required');
  });

  it('declines a card with StripeCardError and leaves the PaymentIntent awaiting a new payment method', async () => {
    const customer = await stripe.customers.create({ email: 'declined@example.com' });
    const err = await stripe.paymentIntents
      .create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_chargeDeclined', confirm: true, allowed_payment_method_types: ['card'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = err as Stripe.errors.StripeCardError;
    expect(cardError).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline', statusCode: 402 });
    expect(cardError.payment_intent?.status).toBe('requires_payment_method');
    const pi = await stripe.paymentIntents.retrieve(cardError.payment_intent!.id);
    expect(pi.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' });
    await receiver.waitFor((e) => e.type === 'payment_intent.payment_failed' && (e.data.object as Stripe.PaymentIntent).id === pi.id);

    const insufficient = await stripe.paymentIntents
      .create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true, allowed_payment_method_types: ['card'] })
      .catch((e: unknown) => e);
    expect(insufficient).toMatchObject({ type: 'StripeCardError', decline_code: 'insufficient_funds' });
  });

  it('replays an idempotent create and refuses the key with different parameters', async () => {
    const { customer, pmId } = await customerWithCard();
    const params = { amount: 1500, currency: 'usd', customer: customer.id, payment_method: pmId, off_session: true, confirm: true };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'topup-42' });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'topup-42' });
    expect(second.id).toBe(first.id);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    const charges = await stripe.charges.list({ payment_intent: first.id });
    expect(charges.data).toHaveLength(1);

    await expect(stripe.paymentIntents.create({ ...params, amount: 1600 }, { idempotencyKey: 'topup-42' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeIdempotencyError,
    );
    // Keys are scoped to the endpoint too.
    await expect(stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'topup-42' })).rejects.toMatchObject({ type: 'StripeIdempotencyError' });
  });

  it('refunds part of a payment, refuses more than what is left, then refuses a fully refunded charge', async () => {
    const { customer, pmId } = await customerWithCard();
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', customer: customer.id, payment_method: pmId, off_session: true, confirm: true });
    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 2000, reason: 'requested_by_customer' });
    expect(partial).toMatchObject({ object: 'refund', amount: 2000, status: 'succeeded', payment_intent: pi.id, charge: pi.latest_charge });
    expect(partial.id).toMatch(/^re_/);
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(2000);

    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 3500 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'amount',
      message: 'Refund amount ($35.00) is greater than unrefunded amount on charge ($30.00)',
    });
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(3000);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    await expect(stripe.refunds.create({ payment_intent: pi.id })).rejects.toMatchObject({ code: 'charge_already_refunded' });
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(2000);
    await receiver.waitFor((e) => e.type === 'charge.refunded' && (e.data.object as Stripe.Charge).amount_refunded === 5000);
  });

  it('builds, finalizes and collects a monthly invoice with a real PDF', async () => {
    const { customer, pmId } = await customerWithCard();
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pmId } });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: 'usd', description: 'Number rental (MRC) +1 415 555 0100' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 345, currency: 'usd', description: 'Overage minutes' });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      auto_advance: false,
      collection_method: 'charge_automatically',
      pending_invoice_items_behavior: 'include',
      metadata: { period: '2026-05' },
    });
    expect(draft).toMatchObject({ status: 'draft', total: 1545, amount_due: 1545, number: null });
    expect(draft.lines.data.map((l) => l.amount)).toEqual([1200, 345]);

    const open = await stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe('open');
    expect(open.number).toMatch(/^[A-Z0-9]+-0001$/);
    expect(open.hosted_invoice_url).toMatch(new RegExp(`^${local.url}/i/`));
    expect(open.invoice_pdf).toMatch(new RegExp(`^${local.url}/i/.+/pdf$`));
    await receiver.waitFor((e) => e.type === 'invoice.finalized' && (e.data.object as Stripe.Invoice).id === draft.id);

    const paid = await stripe.invoices.pay(draft.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1545, amount_remaining: 0 });
    await receiver.waitFor((e) => e.type === 'invoice.paid' && (e.data.object as Stripe.Invoice).id === draft.id);
    const withPayments = await stripe.invoices.retrieve(draft.id, { expand: ['payments'] });
    expect(withPayments.payments?.data[0]).toMatchObject({ status: 'paid', amount_paid: 1545 });

    const listed = await stripe.invoices.list({ customer: customer.id, status: 'paid' });
    expect(listed.data.map((i) => i.id)).toEqual([draft.id]);

    const pdf = await fetch(open.invoice_pdf as string);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = bytes.toString('latin1');
    expect(text).toContain(open.number as string);
    expect(text).toMatch(/Total:\s+\$15\.45/);
    expect(text).toContain('Overage minutes');
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    expect((await fetch(`${local.url}/i/not-a-real-token-at-all-123/pdf`)).status).toBe(404);
  });

  it('answers an unknown id with resource_missing and a bad key with an authentication error', async () => {
    const err = await stripe.customers.retrieve('cus_doesnotexist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ code: 'resource_missing', statusCode: 404, message: "No such customer: 'cus_doesnotexist'", param: 'id' });

    const intruder = stripeClientFor(local, {});
    const wrong = new Stripe('sk_test_wrong', { host: local.host, port: local.port, protocol: 'http' });
    await expect(wrong.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(intruder).toBeDefined();
  });
});

describe('local Stripe persistence', () => {
  it('keeps customers and payment methods across a restart with the same data file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-stripe-'));
    const dataFile = join(dir, 'stripe.json');
    try {
      const first = await startTestStripe({ dataFile });
      const customer = await first.stripe.customers.create({ email: 'kept@example.com' });
      const pm = await first.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      await first.local.close();
      expect(JSON.parse(await readFile(dataFile, 'utf8')).format).toBe('voepy-local-stripe/1');

      const second = await startTestStripe({ dataFile });
      try {
        expect((await second.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ email: 'kept@example.com' });
        const listed = await second.stripe.customers.listPaymentMethods(customer.id);
        expect(listed.data.map((m) => m.id)).toEqual([pm.id]);
        // And it still charges.
        const pi = await second.stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
        expect(pi.status).toBe('succeeded');
      } finally {
        await second.local.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
