import { AUTHENTICATION_REQUIRED, authorize } from '../card-network';
import { StripeApiError, cardError, invalidRequest, unexpectedState } from '../errors';
import { clientSecret, newId, unixNow } from '../ids';
import { liveCustomer } from '../lookups';
import { PaymentIntentRecord, PaymentMethodRecord, idOf } from '../records';
import { ApiContext } from '../router';
import { toWire } from '../store';
import { recordCharge } from './charges';
import { assertConfirmable, CARD_OPTIONS_PI, requireReturnUrl, threeDSecureAction } from './intent-options';
import { assertReusable, attachPaymentMethod } from './payment-methods';

/**
 * The PaymentIntent state machine: a payment attempt against the simulated issuer ends in `succeeded`,
 * `requires_action` (3DS, on-session) or a decline that leaves the intent in `requires_payment_method`.
 */

/** A PaymentMethod saved to a customer may only pay for that customer. */
export function assertUsableFor(pi: PaymentIntentRecord, pm: PaymentMethodRecord): void {
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
  assertConfirmable(pi);
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

