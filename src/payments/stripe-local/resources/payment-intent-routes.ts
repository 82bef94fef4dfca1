import { invalidRequest, unexpectedState } from '../errors';
import { unixNow } from '../ids';
import { createdFilter } from '../list';
import { liveCustomer } from '../lookups';
import { chargeAmountParam, currencyParam } from '../money';
import { Params } from '../params';
import { PaymentIntentRecord } from '../records';
import { ApiContext, Route } from '../router';
import { methodTypesFrom } from './intent-options';
import { assertUsableFor, confirmPaymentIntent, newPaymentIntent } from './payment-intents';
import { paymentMethodFromParams } from './payment-methods';

/** Real Stripe parameters; the ones not modelled are accepted and ignored rather than refused. */
const CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'amount_to_confirm',
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
  'allowed_payment_method_types',
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

const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

/** `off_session=true`, or Stripe's `one_off` / `recurring`. */
function offSessionParam(params: Params): boolean | undefined {
  const raw = params.raw.off_session;
  if (raw === undefined) return undefined;
  if (raw === 'one_off' || raw === 'recurring') return true;
  return params.boolean('off_session');
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
  const pm = paymentMethodFromParams(ctx, params);

  const pi = newPaymentIntent(ctx, { amount, currency, customer: customer?.id ?? null, pm, description, metadata });
  pi.automatic_payment_methods = methods.automatic;
  pi._automaticExplicit = methods.explicit;
  pi.allowed_payment_method_types = methods.allowed;
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
  if (params.has('allowed_payment_method_types') || params.has('payment_method_types')) {
    const methods = methodTypesFrom(params);
    draft.allowed_payment_method_types = methods.allowed;
    draft.payment_method_types = methods.types;
  }
  const pm = paymentMethodFromParams(ctx, params);
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
          pm: paymentMethodFromParams(ctx, params),
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
      return ctx.list(items, '/v1/payment_intents');
    },
  },
];
