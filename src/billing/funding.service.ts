import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { requirePayments, ServiceDeps } from '../platform/service-deps';

// Card funding (spec: "The funding flow"): one Stripe Customer per tenant, SetupIntents to save cards, and
// top-ups as PaymentIntents. The balance is credited only by Stripe's payment_intent.succeeded event
// (stripe-webhook.service.ts), never by this code, so a client can't talk its balance up.

/** The tenant's Stripe Customer, created on first need. Stripe's idempotency key makes a race create one. */
export async function ensureCustomer(deps: ServiceDeps, tenantId: string): Promise<string> {
  const tenant = await deps.db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { name: true, stripeCustomerId: true } });
  if (tenant.stripeCustomerId) return tenant.stripeCustomerId;
  const { stripe } = requirePayments(deps);
  const customer = await callStripe(() =>
    stripe.customers.create({ name: tenant.name, metadata: { tenant_id: tenantId } }, { idempotencyKey: `voepy:customer:${tenantId}` }),
  );
  await deps.db.$executeRaw`UPDATE tenants SET stripe_customer_id = ${customer.id} WHERE id = ${tenantId}::uuid AND stripe_customer_id IS NULL`;
  return customer.id;
}

export interface SetupIntentView {
  clientSecret: string;
  setupIntentId: string;
  stripeCustomerId: string;
}

export async function createSetupIntent(deps: ServiceDeps, actor: Actor): Promise<SetupIntentView> {
  requireScope(actor, 'billing:write');
  const customer = await ensureCustomer(deps, actor.tenantId);
  const { stripe } = requirePayments(deps);
  const intent = await callStripe(() =>
    stripe.setupIntents.create({ customer, usage: 'off_session', automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, metadata: { tenant_id: actor.tenantId } }),
  );
  // The client secret is a credential: the audit log keeps only which SetupIntent was opened for which customer.
  await recordAudit(deps.db, actor, { action: 'setup_intent.created', resourceType: 'setup_intent', resourceId: intent.id, after: { stripe_customer_id: customer } });
  return { clientSecret: intent.client_secret ?? '', setupIntentId: intent.id, stripeCustomerId: customer };
}

export interface PaymentMethodView {
  id: string;
  type: string;
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
  isDefault: boolean;
}

export async function listPaymentMethods(deps: ServiceDeps, actor: Actor): Promise<PaymentMethodView[]> {
  requireScope(actor, 'billing:read');
  const customerId = await existingCustomer(deps.db, actor.tenantId);
  if (!customerId) return [];
  const { stripe } = requirePayments(deps);
  const [methods, customer] = await Promise.all([
    callStripe(() => stripe.customers.listPaymentMethods(customerId, { type: 'card', limit: 100 })),
    callStripe(() => stripe.customers.retrieve(customerId)),
  ]);
  const defaultId = defaultPaymentMethodOf(customer);
  return methods.data.map((pm) => ({
    id: pm.id,
    type: pm.type,
    card: pm.card ? { brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year } : null,
    isDefault: pm.id === defaultId,
  }));
}

export async function setDefaultPaymentMethod(deps: ServiceDeps, actor: Actor, paymentMethodId: string): Promise<PaymentMethodView[]> {
  requireScope(actor, 'billing:write');
  const customer = await ownedPaymentMethod(deps, actor, paymentMethodId);
  const { stripe } = requirePayments(deps);
  await callStripe(() => stripe.customers.update(customer, { invoice_settings: { default_payment_method: paymentMethodId } }));
  await inTransaction(deps.db, (tx) =>
    recordAudit(tx, actor, { action: 'payment_method.default_set', resourceType: 'payment_method', resourceId: paymentMethodId, after: { is_default: true } }),
  );
  return listPaymentMethods(deps, actor);
}

export async function removePaymentMethod(deps: ServiceDeps, actor: Actor, paymentMethodId: string): Promise<PaymentMethodView[]> {
  requireScope(actor, 'billing:write');
  await ownedPaymentMethod(deps, actor, paymentMethodId);
  const { stripe } = requirePayments(deps);
  await callStripe(() => stripe.paymentMethods.detach(paymentMethodId));
  await inTransaction(deps.db, (tx) =>
    recordAudit(tx, actor, { action: 'payment_method.removed', resourceType: 'payment_method', resourceId: paymentMethodId, before: { attached: true }, after: { attached: false } }),
  );
  return listPaymentMethods(deps, actor);
}

export interface TopUpRequest {
  amountCents: bigint;
  paymentMethodId?: string | null;
}

export interface TopUpView {
  paymentId: string;
  status: 'requires_action' | 'succeeded' | 'pending';
  clientSecret: string | null;
  amountCents: bigint;
  currency: string;
}

/**
 * Charges a saved card. The Stripe idempotency key is derived from the request's own Idempotency-Key, so a
 * retried top-up (even one whose first attempt died after Stripe answered) never creates a second PaymentIntent.
 */
export async function topUp(deps: ServiceDeps & { idempotencyKey?: string }, actor: Actor, req: TopUpRequest): Promise<TopUpView> {
  requireScope(actor, 'billing:write');
  const payments = requirePayments(deps);
  if (req.amountCents < payments.topUpMinimumCents) {
    throw new ApiError('topup_amount_too_low', `amount_cents must be at least ${payments.topUpMinimumCents}`);
  }
  if (req.amountCents > payments.topUpMaximumCents) throw invalidRequest(`amount_cents must be at most ${payments.topUpMaximumCents}`, 'amount_cents');
  const customer = await ensureCustomer(deps, actor.tenantId);
  const paymentMethod = req.paymentMethodId ? (await ownedPaymentMethod(deps, actor, req.paymentMethodId), req.paymentMethodId) : await defaultPaymentMethod(deps, customer);
  if (!paymentMethod) throw new ApiError('payment_method_required', 'Save a card first (POST /v1/billing/setup-intent), or pass payment_method_id');
  const stripeKey = `voepy:topup:${actor.tenantId}:${deps.idempotencyKey ?? randomUUID()}`;
  return chargeCard(deps, actor, { amountCents: req.amountCents, customer, paymentMethod, purpose: 'top_up', offSession: false, stripeKey });
}

export interface ChargeRequest {
  amountCents: bigint;
  customer: string;
  paymentMethod: string;
  purpose: 'top_up' | 'auto_recharge';
  offSession: boolean;
  stripeKey: string;
  /** The payment row's id when the caller must know it in advance (auto-recharge's claim). */
  paymentId?: string;
}

/** Records a payment and asks Stripe to charge it; the webhook decides whether money arrived. */
export async function chargeCard(deps: ServiceDeps, actor: Actor, req: ChargeRequest): Promise<TopUpView> {
  const { stripe, currency } = requirePayments(deps);
  let intent: Stripe.PaymentIntent;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: Number(req.amountCents),
        currency,
        customer: req.customer,
        payment_method: req.paymentMethod,
        confirm: true,
        off_session: req.offSession,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        description: req.purpose === 'top_up' ? 'voepy balance top-up' : 'voepy auto-recharge',
        metadata: { tenant_id: actor.tenantId, purpose: req.purpose },
      },
      { idempotencyKey: req.stripeKey },
    );
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) {
      // A declined top-up changes nothing (the user sees why at once); a declined auto-recharge is kept, with why.
      if (req.purpose === 'auto_recharge') await recordPayment(deps, actor, req, err.payment_intent?.id ?? null, 'failed', err.message);
      throw new ApiError('card_declined', `The card was declined: ${err.message}`);
    }
    throw upstream(err);
  }
  const status = intent.status === 'succeeded' ? 'succeeded' : intent.status === 'requires_action' ? 'requires_action' : 'pending';
  const payment = await recordPayment(deps, actor, req, intent.id, status === 'succeeded' ? 'pending' : status, null);
  return { paymentId: payment.id, status, clientSecret: intent.client_secret, amountCents: req.amountCents, currency: 'USD' };
}

/**
 * One payment row per PaymentIntent (a retried top-up finds its own). It stays `pending` until the
 * payment_intent.succeeded event credits the balance and marks it succeeded.
 */
async function recordPayment(deps: ServiceDeps, actor: Actor, req: ChargeRequest, intentId: string | null, status: 'pending' | 'requires_action' | 'failed', reason: string | null) {
  return inTransaction(deps.db, async (tx) => {
    const existing = intentId ? await tx.payment.findUnique({ where: { stripePaymentIntentId: intentId } }) : null;
    if (existing) return existing;
    const payment = await tx.payment.create({
      data: { id: req.paymentId, tenantId: actor.tenantId, amountCents: req.amountCents, status, stripePaymentIntentId: intentId, paymentMethodId: req.paymentMethod, purpose: req.purpose, failureReason: reason },
    });
    await recordAudit(tx, actor, { action: `payment.${req.purpose}`, resourceType: 'payment', resourceId: payment.id, after: { amount_cents: req.amountCents, status } });
    return payment;
  });
}

async function existingCustomer(db: Db, tenantId: string): Promise<string | null> {
  return (await db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { stripeCustomerId: true } })).stripeCustomerId;
}

/** The customer a payment method belongs to, if it is the caller's; another tenant's card is "not found". */
async function ownedPaymentMethod(deps: ServiceDeps, actor: Actor, paymentMethodId: string): Promise<string> {
  const customer = await existingCustomer(deps.db, actor.tenantId);
  const notFound = new ApiError('not_found', `Payment method ${paymentMethodId} not found`);
  if (!customer || !/^pm_[A-Za-z0-9]+$/.test(paymentMethodId)) throw notFound;
  try {
    const pm = await requirePayments(deps).stripe.paymentMethods.retrieve(paymentMethodId);
    if ((typeof pm.customer === 'string' ? pm.customer : pm.customer?.id) !== customer) throw notFound;
    return customer;
  } catch (err) {
    if (err === notFound || (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing')) throw notFound;
    throw upstream(err);
  }
}

export async function defaultPaymentMethod(deps: ServiceDeps, customerId: string): Promise<string | null> {
  const customer = await callStripe(() => requirePayments(deps).stripe.customers.retrieve(customerId));
  return defaultPaymentMethodOf(customer);
}

function defaultPaymentMethodOf(customer: Stripe.Customer | Stripe.DeletedCustomer): string | null {
  if (customer.deleted) return null;
  const pm = customer.invoice_settings?.default_payment_method;
  return typeof pm === 'string' ? pm : pm?.id ?? null;
}

/** Stripe's own failures are upstream errors to our users (502, retriable), never 500s. */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw upstream(err);
  }
}

function upstream(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : 'unknown error';
  return new ApiError('upstream_error', `The payment provider failed: ${message}`);
}
