import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { authorize } from '../card-network';
import { cardError, invalidRequest, resourceMissing } from '../errors';
import { previousAttributes } from '../events';
import { newId, unixNow } from '../ids';
import { addressFrom, liveCustomer } from '../lookups';
import { Params } from '../params';
import { CustomerRecord, PaymentMethodRecord } from '../records';
import { ApiContext, Route } from '../router';
import { TEST_PAYMENT_METHODS, luhnValid, profileOf } from '../test-cards';

const CREATE_PARAMS = ['type', 'card', 'billing_details', 'metadata', 'allow_redisplay', 'customer', 'payment_method', 'radar_options'];
const CARD_PARAMS = ['number', 'exp_month', 'exp_year', 'cvc', 'networks', 'token'];
const BILLING_PARAMS = ['address', 'email', 'name', 'phone', 'tax_id'];

/** Stripe fingerprints identify a card number within an account; a fixed salt keeps them stable across restarts. */
function fingerprintOf(number: string): string {
  return createHash('sha256').update(`voepy-local-stripe:${number}`).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
}

function billingDetails(params: Params | undefined): Stripe.PaymentMethod.BillingDetails {
  params?.allow(BILLING_PARAMS);
  return {
    address: addressFrom(params?.object('address')),
    email: params?.nullableString('email') ?? null,
    name: params?.nullableString('name') ?? null,
    phone: params?.nullableString('phone') ?? null,
    tax_id: params?.nullableString('tax_id') ?? null,
  };
}

/** Raw card validation, with the card errors Stripe gives for each field. */
function validatedCard(card: Params): { number: string; expMonth: number; expYear: number; cvc?: string } {
  card.allow(CARD_PARAMS);
  const number = card.string('number', { required: true })!.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) {
    throw cardError({ code: 'invalid_number', message: 'The card number is not a valid credit card number.', param: 'number' });
  }
  if (!luhnValid(number)) throw cardError({ code: 'incorrect_number', message: 'Your card number is incorrect.', param: 'number' });
  const expMonth = card.integer('exp_month', { required: true })!;
  if (expMonth < 1 || expMonth > 12) {
    throw cardError({ code: 'invalid_expiry_month', message: "Your card's expiration month is invalid.", param: 'exp_month' });
  }
  let expYear = card.integer('exp_year', { required: true })!;
  if (expYear < 100) expYear += 2000;
  const now = new Date();
  if (expYear < now.getUTCFullYear() || expYear > now.getUTCFullYear() + 50) {
    throw cardError({ code: 'invalid_expiry_year', message: "Your card's expiration year is invalid.", param: 'exp_year' });
  }
  if (expYear === now.getUTCFullYear() && expMonth < now.getUTCMonth() + 1) {
    throw cardError({ code: 'invalid_expiry_month', message: "Your card's expiration month is invalid.", param: 'exp_month' });
  }
  const cvc = card.string('cvc');
  if (cvc !== undefined && !/^\d{3,4}$/.test(cvc)) {
    throw cardError({ code: 'invalid_cvc', message: "Your card's security code is invalid.", param: 'cvc' });
  }
  return { number, expMonth, expYear, cvc };
}

function newCardPaymentMethod(
  ctx: ApiContext,
  card: { number: string; expMonth: number; expYear: number; cvc?: string },
  extra: { billing?: Stripe.PaymentMethod.BillingDetails; metadata?: Record<string, string>; allowRedisplay?: Stripe.PaymentMethod.AllowRedisplay } = {},
): PaymentMethodRecord {
  const profile = profileOf(card.number);
  const record: PaymentMethodRecord = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: extra.allowRedisplay ?? 'unspecified',
    billing_details: extra.billing ?? billingDetails(undefined),
    card: {
      brand: profile.brand,
      checks: {
        address_line1_check: null,
        address_postal_code_check: null,
        cvc_check: card.cvc === undefined ? null : profile.decline?.code === 'incorrect_cvc' ? 'fail' : 'pass',
      },
      country: profile.country,
      display_brand: profile.brand,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      fingerprint: fingerprintOf(card.number),
      funding: profile.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [profile.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: unixNow(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: extra.metadata ?? {},
    radar_options: {},
    type: 'card',
    _seq: ctx.store.nextSeq(),
    _card: profile,
  };
  return ctx.store.insert('payment_methods', record);
}

/** POST /v1/payment_methods params, also used for `payment_method_data` on intents. */
export function createPaymentMethodFrom(ctx: ApiContext, params: Params): PaymentMethodRecord {
  const type = params.string('type', { required: true })!;
  if (type !== 'card') {
    throw invalidRequest(`The payment method type provided: ${type} is invalid. The local Stripe server only supports card.`, {
      param: params.path('type'),
    });
  }
  const card = params.object('card', { required: true })!;
  if (card.has('token')) throw invalidRequest('Card tokens are not supported by the local Stripe server; pass card[number] instead.', { param: card.path('token') });
  return newCardPaymentMethod(ctx, validatedCard(card), {
    billing: billingDetails(params.object('billing_details')),
    metadata: params.metadata(),
    allowRedisplay: params.oneOf('allow_redisplay', ['always', 'limited', 'unspecified']),
  });
}

/** A PaymentMethod by id; Stripe's test ids (`pm_card_visa`, …) make a fresh PaymentMethod with that card each time. */
export function resolvePaymentMethod(ctx: ApiContext, id: string, param: string): PaymentMethodRecord {
  const testNumber = TEST_PAYMENT_METHODS[id];
  if (testNumber) {
    return newCardPaymentMethod(ctx, { number: testNumber, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' });
  }
  return ctx.store.get('payment_methods', id, param);
}

/** `payment_method` (an id or a test id) or inline `payment_method_data`, as intents accept either. */
export function paymentMethodFromParams(ctx: ApiContext, params: Params): PaymentMethodRecord | undefined {
  const id = params.string('payment_method');
  const data = params.object('payment_method_data');
  if (id !== undefined && data) {
    throw invalidRequest('You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data', code: 'parameters_exclusive' });
  }
  if (data) return createPaymentMethodFrom(ctx, data.allow(['type', 'card', 'billing_details', 'metadata', 'allow_redisplay']));
  return id !== undefined ? resolvePaymentMethod(ctx, id, 'payment_method') : undefined;
}

const REUSE_MESSAGE =
  'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.';

export function assertReusable(pm: PaymentMethodRecord, param: string): void {
  if (pm._consumed) throw invalidRequest(REUSE_MESSAGE, { param });
}

/** Attaching checks the card with the issuer, as Stripe does: declining test cards fail here (except …0341). */
export function assertAttachable(pm: PaymentMethodRecord, customerId: string | null, param = 'payment_method'): void {
  if (pm.customer && pm.customer === customerId) return;
  if (pm.customer) throw invalidRequest('The payment method you provided has already been attached to a customer.', { param });
  assertReusable(pm, param);
  const check = authorize(pm, 'attach');
  if (check.outcome === 'declined') {
    throw cardError({ code: check.code, decline_code: check.declineCode, message: check.message });
  }
}

export function attachPaymentMethod(ctx: ApiContext, pm: PaymentMethodRecord, customer: CustomerRecord, param = 'payment_method'): PaymentMethodRecord {
  if (pm.customer === customer.id) return pm;
  assertAttachable(pm, customer.id, param);
  pm.customer = customer.id;
  ctx.store.touch();
  ctx.events.emit('payment_method.attached', pm);
  return pm;
}

export function detachPaymentMethod(ctx: ApiContext, pm: PaymentMethodRecord): PaymentMethodRecord {
  const customerId = pm.customer as string | null;
  if (!customerId) throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.', {});
  pm.customer = null;
  // Stripe never lets a detached PaymentMethod be used again.
  pm._consumed = true;
  const customer = ctx.store.find('customers', customerId);
  if (customer && customer.invoice_settings.default_payment_method === pm.id) {
    const before = structuredClone(customer);
    customer.invoice_settings.default_payment_method = null;
    ctx.events.emit('customer.updated', customer, previousAttributes(before, customer));
  }
  ctx.store.touch();
  ctx.events.emit('payment_method.detached', pm, { customer: customerId });
  return pm;
}

function listFor(ctx: ApiContext, customerId: string | undefined, url: string) {
  const type = ctx.params.string('type');
  const items = ctx.store
    .all('payment_methods')
    .filter((pm) => (customerId === undefined || pm.customer === customerId) && (type === undefined || pm.type === type));
  return ctx.list(items, url);
}

export const paymentMethodRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_methods',
    handler: (ctx) => ctx.render(createPaymentMethodFrom(ctx, ctx.params.allow(CREATE_PARAMS))),
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    handler: (ctx) => ctx.render(resolvePaymentMethod(ctx, ctx.pathParams.id, 'id')),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id',
    handler: (ctx) => {
      const params = ctx.params.allow(['billing_details', 'metadata', 'card', 'allow_redisplay', 'link', 'us_bank_account', 'payto']);
      const pm = ctx.store.get('payment_methods', ctx.pathParams.id);
      if (!pm.customer) throw invalidRequest('You must save this PaymentMethod to a customer before you can update it.', {});
      const before = structuredClone(pm);
      const card = params.object('card')?.allow(['exp_month', 'exp_year', 'networks']);
      const expMonth = card?.integer('exp_month', { min: 1, max: 12 });
      const expYear = card?.integer('exp_year');
      if (params.has('billing_details')) pm.billing_details = billingDetails(params.object('billing_details'));
      pm.metadata = params.metadata(pm.metadata ?? {}) ?? pm.metadata;
      pm.allow_redisplay = params.oneOf('allow_redisplay', ['always', 'limited', 'unspecified']) ?? pm.allow_redisplay;
      if (pm.card && expMonth !== undefined) pm.card.exp_month = expMonth;
      if (pm.card && expYear !== undefined) pm.card.exp_year = expYear < 100 ? expYear + 2000 : expYear;
      ctx.store.touch();
      const changed = previousAttributes(before, pm);
      if (changed) ctx.events.emit('payment_method.updated', pm, changed);
      return ctx.render(pm);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    handler: (ctx) => {
      const params = ctx.params.allow(['customer', 'customer_account']);
      const customerId = params.string('customer', { required: true })!;
      const pm = resolvePaymentMethod(ctx, ctx.pathParams.id, 'id');
      return ctx.render(attachPaymentMethod(ctx, pm, liveCustomer(ctx.store, customerId), 'id'));
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(detachPaymentMethod(ctx, ctx.store.get('payment_methods', ctx.pathParams.id)));
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'customer_account', 'type', 'limit', 'starting_after', 'ending_before', 'allow_redisplay']);
      const customerId = ctx.params.string('customer');
      if (customerId !== undefined) liveCustomer(ctx.store, customerId);
      return listFor(ctx, customerId, '/v1/payment_methods');
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    handler: (ctx) => {
      ctx.params.allow(['type', 'limit', 'starting_after', 'ending_before', 'allow_redisplay']);
      const customer = liveCustomer(ctx.store, ctx.pathParams.id, 'id');
      return listFor(ctx, customer.id, `/v1/customers/${customer.id}/payment_methods`);
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:customer/payment_methods/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      const customer = liveCustomer(ctx.store, ctx.pathParams.customer, 'customer');
      const pm = ctx.store.find('payment_methods', ctx.pathParams.id);
      if (!pm || pm.customer !== customer.id) throw resourceMissing('payment_methods', ctx.pathParams.id);
      return ctx.render(pm);
    },
  },
];
