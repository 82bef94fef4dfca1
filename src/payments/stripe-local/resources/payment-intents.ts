import { AUTHENTICATION_REQUIRED, authorize } from '../card-network';
import { StripeApiError, cardError, invalidRequest, unexpectedState } from '../errors';
import { clientSecret, newId, unixNow } from '../ids';
import { createdFilter, paginate } from '../list';
import { liveCustomer } from '../lookups';
import { chargeAmountParam, currencyParam } from '../money';
import { Params } from '../params';
import { PaymentIntentRecord, PaymentMethodRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';
import { toWire } from '../store';
import { recordCharge } from './charges';
import { CARD_OPTIONS_PI, methodTypesFrom, requireReturnUrl, threeDSecureAction } from './intent-options';
import { assertReusable, attachPaymentMethod, createPaymentMethodFrom, resolvePaymentMethod } from './payment-methods';

/** Real Stripe parameters; the ones not modelled are accepted and ignored rather than refused. */
const CONFIRM_PARAMS = [
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'return_url',
  'off_session',
  'setup_future_usage',
  'receipt_email',
  'mandate',
  'mandate_data',
  'error_on_requires_action',
  'use_stripe_sdk',
  'capture_method',
  'shipping',
  'confirmation_token',
  'radar_options',
  'client_secret',
  'excluded_payment_method_types',
  'hooks',
  'amount_details',
  'payment_details',
];
const CREATE_PARAMS = [
  ...CONFIRM_PARAMS,
  'amount',
  'currency',
  'customer',
  'customer_account',
  'confirm',
  'metadata',
  'description',
  'automatic_payment_methods',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'confirmation_method',
  'application_fee_amount',
  'on_behalf_of',
  'transfer_data',
  'transfer_group',
  'payment_method_configuration',
];
const UPDATE_PARAMS = [
  'amount',
  'currency',
  'customer',
  'description',
  'metadata',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'capture_method',
  'excluded_payment_method_types',
  'application_fee_amount',
  'transfer_data',
  'transfer_group',
  'hooks',
  'amount_details',
  'payment_details',
];

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

/** `off_session=true`, or Stripe's `one_off` / `recurring`. */
function offSessionParam(params: Params): boolean | undefined {
  const raw = params.raw.off_session;
  if (raw === undefined) return undefined;
  if (raw === 'one_off' || raw === 'recurring') return true;
  return params.boolean('off_session');
}

function paymentMethodParam(ctx: ApiContext, params: Params): PaymentMethodRecord | undefined {
  const id = params.string('payment_method');
  const data = params.object('payment_method_data');
  if (id !== undefined && data) {
    throw invalidRequest('You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data', code: 'parameters_exclusive' });
  }
  if (data) return createPaymentMethodFrom(ctx, data.allow(['type', 'card', 'billing_details', 'metadata', 'allow_redisplay']));
  return id !== undefined ? resolvePaymentMethod(ctx, id, 'payment_method') : undefined;
}

/** A PaymentMethod saved to a customer may only pay for that customer. */
function assertUsableFor(pi: PaymentIntentRecord, pm: PaymentMethodRecord): void {
  const customer = idOf(pi.customer);
  if (pm.customer && !customer) {
    throw invalidRequest(
      'The provided PaymentMethod is attached to a Customer. To use a PaymentMethod that is attached to a Customer, you must also pass the ID of that Customer in the `customer` parameter.',
      { param: 'payment_method' },
    );
  }
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest(`The provided PaymentMethod (${pm.id}) is attached to a different Customer than ${customer}.`, { param: 'payment_method' });
  }
  assertReusable(pm, 'payment_method');
}

function succeed(ctx: ApiContext, pi: PaymentIntentRecord, pm: PaymentMethodRecord): void {
  const charge = recordCharge(ctx, pi, pm, { approved: true, threeDSecure: Boolean(pi._authenticated) });
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  pi.latest_charge = charge.id;
  pi.payment_method = pm.id;
  pi.next_action = null;
  pi.last_payment_error = null;
  const customer = idOf(pi.customer);
  if (pi.setup_future_usage && customer && !pm.customer) {
    attachPaymentMethod(ctx, pm, liveCustomer(ctx.store, customer));
  } else if (!pm.customer) {
    pm._consumed = true;
  }
  if (pi.setup_future_usage === 'off_session') pm._offSessionReady = true;
  ctx.store.touch();
  ctx.events.emit('payment_intent.succeeded', pi);
}

/** Records a declined attempt and returns Stripe's 402 for it (the caller throws it, or not, for test controls). */
function decline(ctx: ApiContext, pi: PaymentIntentRecord, pm: PaymentMethodRecord, reason: { code: string; declineCode: string; message: string }): StripeApiError {
  const charge = recordCharge(ctx, pi, pm, { approved: false, ...reason });
  pi.status = 'requires_payment_method';
  pi.payment_method = null;
  pi.latest_charge = charge.id;
  pi.next_action = null;
  pi.last_payment_error = {
    charge: charge.id,
    code: reason.code,
    decline_code: reason.declineCode,
    doc_url: `https://stripe.com/docs/error-codes/${reason.code.replace(/_/g, '-')}`,
    message: reason.message,
    payment_method: toWire(pm) as never,
    type: 'card_error',
  };
  ctx.store.touch();
  ctx.events.emit('payment_intent.payment_failed', pi);
  return cardError({
    code: reason.code,
    decline_code: reason.declineCode,
    message: reason.message,
    charge: charge.id,
    payment_intent: toWire(pi),
    payment_method: toWire(pm),
  });
}

/** Runs the payment attempt; throws Stripe's 402 on a decline (the intent's new state is kept). */
export function confirmPaymentIntent(
  ctx: ApiContext,
  pi: PaymentIntentRecord,
  opts: {
    pm?: PaymentMethodRecord;
    offSession?: boolean;
    returnUrl?: string | null;
    errorOnRequiresAction?: boolean;
    /** Billing's way: a payment that needs 3DS waits for the customer even off-session, instead of failing. */
    waitForAuthentication?: boolean;
    setupFutureUsage?: 'on_session' | 'off_session';
    receiptEmail?: string;
  } = {},
): PaymentIntentRecord {
  if (pi.status === 'succeeded') {
    throw unexpectedState('You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.', 'payment_intent_unexpected_state');
  }
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      'payment_intent_unexpected_state',
    );
  }
  const pmId = idOf(pi.payment_method);
  const pm = opts.pm ?? (pmId ? ctx.store.get('payment_methods', pmId, 'payment_method') : undefined);
  if (!pm) {
    const customer = idOf(pi.customer);
    throw unexpectedState(
      customer
        ? `You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with ${customer}, specify a payment method attached to this customer along with the customer ID.`
        : "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
      'payment_intent_unexpected_state',
    );
  }
  assertUsableFor(pi, pm);
  const offSession = opts.offSession ?? false;
  const returnUrl = opts.returnUrl !== undefined ? opts.returnUrl : (pi._returnUrl ?? null);
  requireReturnUrl(pi, returnUrl, offSession);

  if (opts.setupFutureUsage !== undefined) {
    if (!idOf(pi.customer)) throw invalidRequest('You cannot set setup_future_usage without a customer.', { param: 'setup_future_usage' });
    pi.setup_future_usage = opts.setupFutureUsage;
  }
  if (opts.receiptEmail !== undefined) pi.receipt_email = opts.receiptEmail;
  pi.payment_method = pm.id;
  pi._returnUrl = returnUrl;
  pi._offSession = offSession;
  const check = authorize(pm, 'payment', { offSession, authenticated: pi._authenticated });
  if (check.outcome === 'approved') {
    succeed(ctx, pi, pm);
    return pi;
  }
  if (check.outcome === 'declined') throw decline(ctx, pi, pm, check);
  if ((offSession && !opts.waitForAuthentication) || opts.errorOnRequiresAction) throw decline(ctx, pi, pm, AUTHENTICATION_REQUIRED);
  pi.status = 'requires_action';
  pi.next_action = threeDSecureAction(ctx.baseUrl, pi);
  ctx.store.touch();
  ctx.events.emit('payment_intent.requires_action', pi);
  return pi;
}

/** The customer finished (or failed) the 3DS challenge in the browser. */
export function completePaymentIntentAction(ctx: ApiContext, pi: PaymentIntentRecord, passed: boolean): PaymentIntentRecord {
  if (pi.status !== 'requires_action') {
    throw unexpectedState(`This PaymentIntent is not awaiting customer action; its status is ${pi.status}.`, 'payment_intent_unexpected_state');
  }
  const pm = ctx.store.get('payment_methods', idOf(pi.payment_method) ?? '', 'payment_method');
  if (!passed) {
    pi.status = 'requires_payment_method';
    pi.payment_method = null;
    pi.next_action = null;
    pi.last_payment_error = {
      code: 'payment_intent_authentication_failure',
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: toWire(pm) as never,
      type: 'invalid_request_error',
    };
    ctx.store.touch();
    ctx.events.emit('payment_intent.payment_failed', pi);
    return pi;
  }
  pi._authenticated = true;
  const check = authorize(pm, 'payment', { offSession: false, authenticated: true });
  if (check.outcome === 'declined') decline(ctx, pi, pm, check);
  else succeed(ctx, pi, pm);
  return pi;
}

/** A new PaymentIntent (invoices use this too). */
export function newPaymentIntent(
  ctx: ApiContext,
  fields: { amount: number; currency: string; customer: string | null; pm?: PaymentMethodRecord; description?: string | null; metadata?: Record<string, string> },
): PaymentIntentRecord {
  const id = newId('pi');
  const pi: PaymentIntentRecord = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: fields.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: clientSecret(id),
    confirmation_method: 'automatic',
    created: unixNow(),
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    description: fields.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.pm?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: structuredClone(CARD_OPTIONS_PI),
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: fields.pm ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    _seq: ctx.store.nextSeq(),
  };
  return pi;
}

function createPaymentIntent(ctx: ApiContext): PaymentIntentRecord {
  const params = ctx.params.allow(CREATE_PARAMS);
  const currency = currencyParam(params, { required: true })!;
  const amount = chargeAmountParam(params, currency);
  const customerId = params.string('customer');
  const customer = customerId !== undefined ? liveCustomer(ctx.store, customerId) : undefined;
  const confirm = params.boolean('confirm') ?? false;
  const offSession = offSessionParam(params);
  if (offSession !== undefined && !confirm) {
    throw invalidRequest('You can only pass `off_session` when `confirm` is set to `true`.', { param: 'off_session' });
  }
  const returnUrl = params.string('return_url');
  if (returnUrl !== undefined && !confirm) {
    throw invalidRequest('You can only pass `return_url` when `confirm` is set to `true`.', { param: 'return_url' });
  }
  const methods = methodTypesFrom(params);
  if (params.oneOf('capture_method', ['automatic', 'automatic_async', 'manual']) === 'manual') {
    throw invalidRequest('capture_method=manual is not supported by the local Stripe server.', { param: 'capture_method' });
  }
  const setupFutureUsage = params.oneOf('setup_future_usage', ['on_session', 'off_session']);
  if (setupFutureUsage && !customer) {
    throw invalidRequest('You cannot set setup_future_usage without a customer.', { param: 'setup_future_usage' });
  }
  const metadata = params.metadata();
  const description = params.string('description', { maxLength: 1000 });
  const pm = paymentMethodParam(ctx, params);

  const pi = newPaymentIntent(ctx, { amount, currency, customer: customer?.id ?? null, pm, description, metadata });
  pi.automatic_payment_methods = methods.automatic;
  pi._automaticExplicit = methods.explicit;
  pi.payment_method_types = methods.types;
  pi.payment_method_configuration_details = methods.automatic ? { id: 'pmc_local_cards', parent: null } : null;
  pi.setup_future_usage = setupFutureUsage ?? null;
  pi.receipt_email = params.string('receipt_email') ?? null;
  pi.statement_descriptor = params.string('statement_descriptor', { maxLength: 22 }) ?? null;
  pi.statement_descriptor_suffix = params.string('statement_descriptor_suffix', { maxLength: 22 }) ?? null;
  pi.confirmation_method = params.oneOf('confirmation_method', ['automatic', 'manual']) ?? 'automatic';
  if (pm) assertUsableFor(pi, pm);
  ctx.store.insert('payment_intents', pi);
  ctx.events.emit('payment_intent.created', pi);
  if (confirm) {
    confirmPaymentIntent(ctx, pi, { offSession, returnUrl, errorOnRequiresAction: params.boolean('error_on_requires_action') });
  }
  return pi;
}

function updatePaymentIntent(ctx: ApiContext): PaymentIntentRecord {
  const params = ctx.params.allow(UPDATE_PARAMS);
  const pi = ctx.store.get('payment_intents', ctx.pathParams.id);
  const onlyAnnotations = Object.keys(params.raw).every((k) => ['metadata', 'description', 'receipt_email', 'shipping', 'expand'].includes(k));
  if ((pi.status === 'succeeded' || pi.status === 'canceled') && !onlyAnnotations) {
    throw unexpectedState(`You cannot update this PaymentIntent because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
  }
  const draft = structuredClone(pi);
  const currency = currencyParam(params) ?? draft.currency;
  if (params.has('amount')) draft.amount = chargeAmountParam(params, currency);
  draft.currency = currency;
  const customerId = params.string('customer');
  if (customerId !== undefined) draft.customer = liveCustomer(ctx.store, customerId).id;
  const description = params.nullableString('description', { maxLength: 1000 });
  if (description !== undefined) draft.description = description;
  const receiptEmail = params.nullableString('receipt_email');
  if (receiptEmail !== undefined) draft.receipt_email = receiptEmail;
  draft.metadata = params.metadata(draft.metadata) ?? draft.metadata;
  const sfu = params.oneOf('setup_future_usage', ['on_session', 'off_session']);
  if (sfu !== undefined) draft.setup_future_usage = sfu;
  const pm = paymentMethodParam(ctx, params);
  if (pm) {
    assertUsableFor(draft, pm);
    draft.payment_method = pm.id;
  }
  // Changing what would be charged invalidates a pending confirmation.
  if ((pm || params.has('amount') || params.has('currency')) && draft.payment_method && draft.status !== 'succeeded') {
    draft.status = 'requires_confirmation';
    draft.next_action = null;
  }
  Object.assign(pi, draft);
  ctx.store.touch();
  return pi;
}

function cancelPaymentIntent(ctx: ApiContext): PaymentIntentRecord {
  const params = ctx.params.allow(['cancellation_reason']);
  const pi = ctx.store.get('payment_intents', ctx.pathParams.id);
  const reason = params.oneOf('cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
  if (!CANCELABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      'payment_intent_unexpected_state',
    );
  }
  if (pi._invoice) {
    throw unexpectedState('You cannot cancel this PaymentIntent because it was created by an invoice. Void the invoice instead.', 'payment_intent_unexpected_state');
  }
  pi.status = 'canceled';
  pi.canceled_at = unixNow();
  pi.cancellation_reason = reason ?? null;
  pi.next_action = null;
  ctx.store.touch();
  ctx.events.emit('payment_intent.canceled', pi);
  return pi;
}

export const paymentIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/payment_intents', handler: (ctx) => ctx.render(createPaymentIntent(ctx)) },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    handler: (ctx) => {
      ctx.params.allow(['client_secret']);
      return ctx.render(ctx.store.get('payment_intents', ctx.pathParams.id));
    },
  },
  { method: 'POST', path: '/v1/payment_intents/:id', handler: (ctx) => ctx.render(updatePaymentIntent(ctx)) },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    handler: (ctx) => {
      const params = ctx.params.allow(CONFIRM_PARAMS);
      const pi = ctx.store.get('payment_intents', ctx.pathParams.id);
      return ctx.render(
        confirmPaymentIntent(ctx, pi, {
          setupFutureUsage: params.oneOf('setup_future_usage', ['on_session', 'off_session']),
          receiptEmail: params.string('receipt_email'),
          pm: paymentMethodParam(ctx, params),
          offSession: offSessionParam(params),
          returnUrl: params.string('return_url'),
          errorOnRequiresAction: params.boolean('error_on_requires_action'),
        }),
      );
    },
  },
  { method: 'POST', path: '/v1/payment_intents/:id/cancel', handler: (ctx) => ctx.render(cancelPaymentIntent(ctx)) },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'customer_account', 'created', 'limit', 'starting_after', 'ending_before']);
      const customer = ctx.params.string('customer');
      const created = createdFilter(ctx.params);
      const items = ctx.store.all('payment_intents').filter((pi) => (customer === undefined || pi.customer === customer) && created(pi.created));
      return paginate(items, ctx.params, '/v1/payment_intents', (pi) => ctx.render(pi));
    },
  },
];
