import type Stripe from 'stripe';
import { authorize } from '../card-network';
import { cardError, invalidRequest, unexpectedState } from '../errors';
import { clientSecret, newId, unixNow } from '../ids';
import { createdFilter } from '../list';
import { liveCustomer } from '../lookups';
import { PaymentMethodRecord, SetupIntentRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';
import { toWire } from '../store';
import { assertConfirmable, CONFIRMABLE, methodTypesFrom, requireReturnUrl, threeDSecureAction } from './intent-options';
import { assertReusable, attachPaymentMethod, paymentMethodFromParams } from './payment-methods';

const CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'return_url',
  'mandate_data',
  'use_stripe_sdk',
  'confirmation_token',
  'client_secret',
];
const CREATE_PARAMS = [
  ...CONFIRM_PARAMS.filter((p) => p !== 'client_secret'),
  'customer',
  'customer_account',
  'confirm',
  'description',
  'metadata',
  'usage',
  'payment_method_types',
  'automatic_payment_methods',
  'attach_to_self',
  'flow_directions',
  'on_behalf_of',
  'payment_method_configuration',
  'single_use',
  'excluded_payment_method_types',
];
const UPDATE_PARAMS = [
  'allowed_payment_method_types',
  'customer',
  'customer_account',
  'description',
  'metadata',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'attach_to_self',
  'flow_directions',
  'payment_method_configuration',
  'excluded_payment_method_types',
];

const CARD_OPTIONS: Stripe.SetupIntent.PaymentMethodOptions = {
  card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
};

function assertUsableFor(si: SetupIntentRecord, pm: PaymentMethodRecord): void {
  const customer = idOf(si.customer);
  if (pm.customer && customer && pm.customer !== customer) {
    throw invalidRequest(`The provided PaymentMethod (${pm.id}) is attached to a different Customer than ${customer}.`, { param: 'payment_method' });
  }
  assertReusable(pm, 'payment_method');
}

/** Setting up saves the card to the customer and, for `usage=off_session`, makes it good for off-session payments. */
function succeed(ctx: ApiContext, si: SetupIntentRecord, pm: PaymentMethodRecord): void {
  si.status = 'succeeded';
  si.payment_method = pm.id;
  si.next_action = null;
  si.last_setup_error = null;
  const customer = idOf(si.customer);
  if (customer) attachPaymentMethod(ctx, pm, liveCustomer(ctx.store, customer));
  if (si.usage === 'off_session') pm._offSessionReady = true;
  ctx.store.touch();
  ctx.events.emit('setup_intent.succeeded', si);
}

function failSetup(ctx: ApiContext, si: SetupIntentRecord, error: Stripe.SetupIntent.LastSetupError): void {
  si.status = 'requires_payment_method';
  si.payment_method = null;
  si.next_action = null;
  si.last_setup_error = error;
  ctx.store.touch();
  ctx.events.emit('setup_intent.setup_failed', si);
}

export function confirmSetupIntent(
  ctx: ApiContext,
  si: SetupIntentRecord,
  opts: { pm?: PaymentMethodRecord; returnUrl?: string } = {},
): SetupIntentRecord {
  assertConfirmable(si);
  const pmId = idOf(si.payment_method);
  const pm = opts.pm ?? (pmId ? ctx.store.get('payment_methods', pmId, 'payment_method') : undefined);
  if (!pm) {
    throw unexpectedState(
      "You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      'setup_intent_unexpected_state',
    );
  }
  assertUsableFor(si, pm);
  const returnUrl = opts.returnUrl ?? si._returnUrl ?? null;
  requireReturnUrl(si, returnUrl, false);
  si.payment_method = pm.id;
  si._returnUrl = returnUrl;
  const check = authorize(pm, 'setup');
  if (check.outcome === 'approved') {
    succeed(ctx, si, pm);
  } else if (check.outcome === 'declined') {
    failSetup(ctx, si, {
      code: check.code,
      decline_code: check.declineCode,
      doc_url: `https://stripe.com/docs/error-codes/${check.code.replace(/_/g, '-')}`,
      message: check.message,
      payment_method: toWire(pm) as never,
      type: 'card_error',
    });
    throw cardError({
      code: check.code,
      decline_code: check.declineCode,
      message: check.message,
      setup_intent: toWire(si),
      payment_method: toWire(pm),
    });
  } else {
    si.status = 'requires_action';
    si.next_action = threeDSecureAction(ctx.baseUrl, si) as Stripe.SetupIntent.NextAction;
    ctx.store.touch();
    ctx.events.emit('setup_intent.requires_action', si);
  }
  return si;
}

/** The customer finished (or failed) the 3DS challenge in the browser. */
export function completeSetupIntentAction(ctx: ApiContext, si: SetupIntentRecord, passed: boolean): SetupIntentRecord {
  if (si.status !== 'requires_action') {
    throw unexpectedState(`This SetupIntent is not awaiting customer action; its status is ${si.status}.`, 'setup_intent_unexpected_state');
  }
  const pm = ctx.store.get('payment_methods', idOf(si.payment_method) ?? '', 'payment_method');
  if (passed) {
    succeed(ctx, si, pm);
  } else {
    failSetup(ctx, si, {
      code: 'setup_intent_authentication_failure',
      doc_url: 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure',
      message: 'The latest attempt to set up the payment method has failed because authentication failed.',
      payment_method: toWire(pm) as never,
      type: 'invalid_request_error',
    });
  }
  return si;
}

function createSetupIntent(ctx: ApiContext): SetupIntentRecord {
  const params = ctx.params.allow(CREATE_PARAMS);
  const customerId = params.string('customer');
  const customer = customerId !== undefined ? liveCustomer(ctx.store, customerId) : undefined;
  const confirm = params.boolean('confirm') ?? false;
  const returnUrl = params.string('return_url');
  if (returnUrl !== undefined && !confirm) {
    throw invalidRequest('You can only pass `return_url` when `confirm` is set to `true`.', { param: 'return_url' });
  }
  const methods = methodTypesFrom(params);
  const usage = params.oneOf('usage', ['on_session', 'off_session']) ?? 'off_session';
  const metadata = params.metadata();
  const description = params.string('description', { maxLength: 1000 });
  const pm = paymentMethodFromParams(ctx, params);
  const id = newId('seti');
  const si: SetupIntentRecord = {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: methods.allowed,
    application: null,
    automatic_payment_methods: methods.automatic,
    cancellation_reason: null,
    client_secret: clientSecret(id),
    created: unixNow(),
    customer: customer?.id ?? null,
    description: description ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: methods.automatic ? { id: 'pmc_local_cards', parent: null } : null,
    payment_method_options: structuredClone(CARD_OPTIONS),
    payment_method_types: methods.types,
    single_use_mandate: null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    usage,
    _seq: ctx.store.nextSeq(),
    _automaticExplicit: methods.explicit,
  };
  if (pm) assertUsableFor(si, pm);
  ctx.store.insert('setup_intents', si);
  ctx.events.emit('setup_intent.created', si);
  if (confirm) confirmSetupIntent(ctx, si, { returnUrl });
  return si;
}

function updateSetupIntent(ctx: ApiContext): SetupIntentRecord {
  const params = ctx.params.allow(UPDATE_PARAMS);
  const si = ctx.store.get('setup_intents', ctx.pathParams.id);
  const onlyAnnotations = Object.keys(params.raw).every((k) => ['metadata', 'description', 'expand'].includes(k));
  if ((si.status === 'succeeded' || si.status === 'canceled') && !onlyAnnotations) {
    throw unexpectedState(`You cannot update this SetupIntent because it has a status of ${si.status}.`, 'setup_intent_unexpected_state');
  }
  const draft = structuredClone(si);
  const customerId = params.string('customer');
  if (customerId !== undefined) draft.customer = liveCustomer(ctx.store, customerId).id;
  const description = params.nullableString('description', { maxLength: 1000 });
  if (description !== undefined) draft.description = description;
  draft.metadata = params.metadata(draft.metadata ?? {}) ?? draft.metadata;
  if (params.has('allowed_payment_method_types') || params.has('payment_method_types')) {
    const methods = methodTypesFrom(params);
    draft.allowed_payment_method_types = methods.allowed;
    draft.payment_method_types = methods.types;
  }
  const pm = paymentMethodFromParams(ctx, params);
  if (pm) {
    assertUsableFor(draft, pm);
    draft.payment_method = pm.id;
    draft.status = 'requires_confirmation';
    draft.next_action = null;
  }
  Object.assign(si, draft);
  ctx.store.touch();
  return si;
}

export const setupIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/setup_intents', handler: (ctx) => ctx.render(createSetupIntent(ctx)) },
  {
    method: 'GET',
    path: '/v1/setup_intents/:id',
    handler: (ctx) => {
      ctx.params.allow(['client_secret']);
      return ctx.render(ctx.store.get('setup_intents', ctx.pathParams.id));
    },
  },
  { method: 'POST', path: '/v1/setup_intents/:id', handler: (ctx) => ctx.render(updateSetupIntent(ctx)) },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    handler: (ctx) => {
      const params = ctx.params.allow(CONFIRM_PARAMS);
      const si = ctx.store.get('setup_intents', ctx.pathParams.id);
      return ctx.render(confirmSetupIntent(ctx, si, { pm: paymentMethodFromParams(ctx, params), returnUrl: params.string('return_url') }));
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/cancel',
    handler: (ctx) => {
      const params = ctx.params.allow(['cancellation_reason']);
      const si = ctx.store.get('setup_intents', ctx.pathParams.id);
      const reason = params.oneOf('cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer']);
      if (!CONFIRMABLE.includes(si.status)) {
        throw unexpectedState(
          `You cannot cancel this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be canceled: ${CONFIRMABLE.join(', ')}.`,
          'setup_intent_unexpected_state',
        );
      }
      si.status = 'canceled';
      si.cancellation_reason = reason ?? null;
      si.next_action = null;
      ctx.store.touch();
      ctx.events.emit('setup_intent.canceled', si);
      return ctx.render(si);
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'customer_account', 'payment_method', 'attach_to_self', 'created', 'limit', 'starting_after', 'ending_before']);
      const customer = ctx.params.string('customer');
      const pm = ctx.params.string('payment_method');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('setup_intents')
        .filter((si) => (customer === undefined || si.customer === customer) && (pm === undefined || si.payment_method === pm) && created(si.created));
      return ctx.list(items, '/v1/setup_intents');
    },
  },
];
