import Stripe from 'stripe';
import { LocalStripe } from '../../src/payments/stripe-local';
import { WebhookReceiver, startTestStripe, startWebhookReceiver, testControl } from '../helpers/stripe';

/** Stripe's wire conventions and the less common flows, through the SDK (or raw HTTP where the SDK can't go). */
describe('local Stripe wire format and flows', () => {
  let local: LocalStripe;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    ({ local, stripe } = await startTestStripe());
    receiver = await startWebhookReceiver(stripe, local.webhookSecret);
    local.setWebhookUrl(receiver.url);
  });

  afterAll(async () => {
    await local.close();
    await receiver.close();
  });

  async function raw(method: string, path: string, body?: string) {
    const res = await fetch(`${local.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${local.secretKey}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  it('decodes bracket notation, `[]` arrays and expand[] in bodies and query strings', async () => {
    const customer = await raw('POST', '/v1/customers', 'email=a%40example.com&metadata[plan]=growth&metadata[region]=eu&preferred_locales[]=en&preferred_locales[]=fr');
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({ email: 'a@example.com', metadata: { plan: 'growth', region: 'eu' }, preferred_locales: ['en', 'fr'] });
    const pm = await raw('POST', `/v1/payment_methods/pm_card_visa/attach`, `customer=${customer.body.id}`);
    const pi = await raw(
      'POST',
      '/v1/payment_intents',
      `amount=700&currency=usd&customer=${customer.body.id}&payment_method=${pm.body.id}&confirm=true&off_session=true&expand[]=latest_charge&expand[]=customer`,
    );
    expect(pi.status).toBe(200);
    expect(pi.body.latest_charge).toMatchObject({ object: 'charge', amount: 700 });
    expect(pi.body.customer).toMatchObject({ object: 'customer', id: customer.body.id });
    const listed = await stripe.paymentIntents.list({ customer: customer.body.id, expand: ['data.latest_charge', 'data.customer'] });
    expect(listed.data[0].latest_charge).toMatchObject({ object: 'charge', amount: 700 });
    expect(listed.data[0].customer).toMatchObject({ object: 'customer' });
    const notExpandable = await raw('GET', `/v1/payment_intents/${pi.body.id}?expand[]=amount`);
    expect(notExpandable.body.error.message).toBe('This property cannot be expanded (amount).');
    // Older API versions named the list `payment_method_types`; still accepted.
    const legacy = await raw('POST', '/v1/setup_intents', `customer=${customer.body.id}&payment_method_types[]=card`);
    expect(legacy.body).toMatchObject({ payment_method_types: ['card'], automatic_payment_methods: null });
    const fetched = await raw('GET', `/v1/payment_intents/${pi.body.id}?expand%5B0%5D=payment_method`);
    expect(fetched.body.payment_method).toMatchObject({ object: 'payment_method', id: pm.body.id });
    expect(fetched.headers.get('request-id')).toMatch(/^req_/);
  });

  it('refuses what Stripe refuses: unknown and missing parameters, bad amounts and currencies, JSON bodies', async () => {
    const unknown = await raw('POST', '/v1/customers', 'emial=typo%40example.com');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_unknown', param: 'emial', message: 'Received unknown parameter: emial' });

    await expect(stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'amount',
    });
    await expect(stripe.paymentIntents.create({ amount: 49, currency: 'usd' })).rejects.toMatchObject({ code: 'amount_too_small', param: 'amount' });
    await expect(stripe.paymentIntents.create({ amount: 12.5, currency: 'usd' })).rejects.toMatchObject({ code: 'parameter_invalid_integer' });
    await expect(stripe.paymentIntents.create({ amount: 500, currency: 'zzz' })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'currency' });
    const nested = await raw('POST', '/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2040&card[colour]=red');
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'card[colour]' });

    const json = await fetch(`${local.url}/v1/customers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${local.secretKey}`, 'Content-Type': 'application/json' },
      body: '{"email":"x@example.com"}',
    });
    expect(json.status).toBe(400);
    const route = await raw('GET', '/v1/nothing_here');
    expect(route.status).toBe(404);
    expect(route.body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/nothing_here\)/);
    const noKey = await fetch(`${local.url}/v1/customers`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as any).error.type).toBe('invalid_request_error');
  });

  it('merges, unsets and clears metadata and unsets fields with empty strings, as Stripe does', async () => {
    const customer = await stripe.customers.create({ description: 'VIP', metadata: { a: '1', b: '2' } });
    const merged = await stripe.customers.update(customer.id, { metadata: { b: '', c: '3' } });
    expect(merged.metadata).toEqual({ a: '1', c: '3' });
    const unset = await stripe.customers.update(customer.id, { description: '' });
    expect(unset.description).toBeNull();
    const cleared = await stripe.customers.update(customer.id, { metadata: '' as unknown as Stripe.MetadataParam });
    expect(cleared.metadata).toEqual({});
    const updated = await receiver.waitFor((e) => e.type === 'customer.updated' && (e.data.object as Stripe.Customer).id === customer.id);
    expect(updated.data.previous_attributes).toBeDefined();
  });

  it('pages lists newest first with limit / starting_after, and the SDK auto-pagination walks them', async () => {
    const email = `page-${Date.now()}@example.com`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await stripe.customers.create({ email })).id);
    const first = await stripe.customers.list({ email, limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect(first.data.map((c) => c.id)).toEqual([created[4], created[3]]);
    const next = await stripe.customers.list({ email, limit: 2, starting_after: first.data[1].id });
    expect(next.data.map((c) => c.id)).toEqual([created[2], created[1]]);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ email, limit: 2 })) all.push(c.id);
    expect(all).toEqual([...created].reverse());

    const events = await stripe.events.list({ type: 'customer.created', limit: 100 });
    expect(events.data.every((e) => e.type === 'customer.created')).toBe(true);
    expect(events.data.some((e) => (e.data.object as Stripe.Customer).id === created[0])).toBe(true);
    const deleted = await stripe.customers.del(created[0]);
    expect(deleted).toEqual({ id: created[0], object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(created[0])).toMatchObject({ deleted: true });
  });

  it('fails SetupIntents and attaches for declining cards, but lets …0341 attach and decline at charge time', async () => {
    const customer = await stripe.customers.create({ email: 'cards@example.com' });
    await expect(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
    const setup = await stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ['card'] });
    const err = await stripe.setupIntents.confirm(setup.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'StripeCardError', decline_code: 'insufficient_funds' });
    expect((err as Stripe.errors.StripeCardError).setup_intent?.status).toBe('requires_payment_method');

    const failsLater = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const declined = await stripe.paymentIntents
      .create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: failsLater.id, confirm: true, off_session: true })
      .catch((e: unknown) => e);
    expect(declined).toMatchObject({ type: 'StripeCardError', code: 'card_declined' });

    const detached = await stripe.paymentMethods.detach(failsLater.id);
    expect(detached.customer).toBeNull();
    await receiver.waitFor((e) => e.type === 'payment_method.detached' && (e.data.object as Stripe.PaymentMethod).id === failsLater.id);
    await expect(stripe.paymentMethods.attach(failsLater.id, { customer: customer.id })).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
  });

  it('redirects to the return_url after the 3DS page, and refuses automatic payment methods without one', async () => {
    await expect(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true } }),
    ).rejects.toMatchObject({ param: 'return_url' });

    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_threeDSecureRequired',
      confirm: true,
      automatic_payment_methods: { enabled: true },
      return_url: 'https://app.example.com/billing/return?tab=topup',
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('redirect_to_url');
    const challengeUrl = pi.next_action!.redirect_to_url!.url!;
    expect((await fetch(challengeUrl)).status).toBe(200);
    expect((await fetch(challengeUrl.replace(/client_secret=[^&]+/, 'client_secret=wrong'))).status).toBe(404);

    const answer = await fetch(challengeUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `client_secret=${encodeURIComponent(pi.client_secret!)}&outcome=complete`,
    });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://app.example.com/billing/return');
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ tab: 'topup', payment_intent: pi.id, redirect_status: 'succeeded' });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('lets a card that needs 3DS on setup pay off-session once set up, but not before (4000002500003155)', async () => {
    const customer = await stripe.customers.create({ email: 'setup-sca@example.com' });
    const unset = await stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', { customer: customer.id });
    await expect(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: unset.id, off_session: true, confirm: true }),
    ).rejects.toMatchObject({ code: 'authentication_required' });

    const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_authenticationRequiredOnSetup', confirm: true, usage: 'off_session' });
    expect(setup.status).toBe('requires_action');
    await receiver.waitFor((e) => e.type === 'setup_intent.requires_action' && (e.data.object as Stripe.SetupIntent).id === setup.id);
    expect(local.controls.completeAction(setup.id)).toMatchObject({ status: 'succeeded' });
    const pmId = (await stripe.setupIntents.retrieve(setup.id)).payment_method as string;
    const offSession = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pmId, off_session: true, confirm: true });
    expect(offSession.status).toBe('succeeded');
    const onSession = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pmId, confirm: true });
    expect(onSession.status).toBe('requires_action');
  });

  it('fails the 3DS step through the test control', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, allowed_payment_method_types: ['card'] });
    const failed = await testControl(local, 'POST', `/_test/intents/${pi.id}/fail_action`);
    expect(failed.body).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'payment_intent_authentication_failure' } });
    const again = await testControl(local, 'POST', `/_test/intents/${pi.id}/complete_action`);
    expect(again.status).toBe(400);
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' });
    expect(canceled.status).toBe('canceled');
    await receiver.waitFor((e) => e.type === 'payment_intent.canceled' && (e.data.object as Stripe.PaymentIntent).id === pi.id);
    await expect(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
  });

  it('keeps an invoice open when its payment needs 3DS, and settles it when the customer completes it', async () => {
    const customer = await stripe.customers.create({ email: 'sca@example.com', payment_method: 'pm_card_authenticationRequired' });
    const pmId = (await stripe.customers.listPaymentMethods(customer.id)).data[0].id;
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pmId } });
    const invoice = await stripe.invoices.create({ customer: customer.id, auto_advance: false });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 9900, currency: 'usd', description: 'Growth plan' });
    const err = await stripe.invoices.pay(invoice.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'StripeCardError', code: 'invoice_payment_intent_requires_action' });
    const piId = (err as Stripe.errors.StripeCardError).payment_intent!.id;
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('open');
    await receiver.waitFor((e) => e.type === 'invoice.payment_action_required' && (e.data.object as Stripe.Invoice).id === invoice.id);

    local.controls.completeAction(piId);
    const paid = await stripe.invoices.retrieve(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 9900 });
    await receiver.waitFor((e) => e.type === 'invoice.paid' && (e.data.object as Stripe.Invoice).id === invoice.id);
  });

  it('marks an empty invoice paid on finalization and refuses to edit a finalized one', async () => {
    const customer = await stripe.customers.create({ email: 'zero@example.com' });
    const invoice = await stripe.invoices.create({ customer: customer.id });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized).toMatchObject({ status: 'paid', total: 0 });
    await expect(stripe.invoices.update(invoice.id, { collection_method: 'send_invoice', days_until_due: 30 })).rejects.toMatchObject({ code: 'invoice_not_editable' });
    expect((await stripe.invoices.update(invoice.id, { metadata: { note: 'ok' } })).metadata).toEqual({ note: 'ok' });
  });
});
