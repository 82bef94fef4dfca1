import Stripe from 'stripe';
import { Prisma } from '../generated/prisma/client';
import { recordAudit } from '../audit/audit.service';
import { systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { requirePayments, ServiceDeps, withDb } from '../platform/service-deps';
import { markAutoRechargeFailed } from './auto-recharge.service';
import { callStripe } from './funding.service';
import { credit } from './ledger.service';

// Stripe's events, verified on the raw body. The event id is recorded under a unique key in the same
// transaction as its effect, so a redelivery (or fifty at once) changes nothing; and the PaymentIntent is
// re-read from Stripe rather than trusted from the payload, so a stale or reordered event cannot regress a payment.

export function verifyStripeEvent(deps: ServiceDeps, rawBody: Buffer, signature: string | undefined): Stripe.Event {
  const { stripe, webhookSecret } = requirePayments(deps);
  if (!signature) throw new ApiError('invalid_request', 'Missing Stripe-Signature header');
  try {
    return stripe.webhooks.constructEvent(rawBody, signature, webhookSecret);
  } catch {
    throw new ApiError('invalid_request', 'The Stripe signature does not verify (tampered, stale or signed with another secret)');
  }
}

const PAYMENT_EVENTS = new Set(['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action', 'payment_intent.canceled']);

export async function handleStripeEvent(deps: ServiceDeps, event: Stripe.Event): Promise<{ handled: boolean }> {
  if (!PAYMENT_EVENTS.has(event.type)) return recordOnly(deps, event);
  const intentId = (event.data.object as { id: string }).id;
  const intent = await callStripe(() => requirePayments(deps).stripe.paymentIntents.retrieve(intentId));

  return inTransaction(deps.db, async (tx) => {
    const payment = await tx.payment.findUnique({ where: { stripePaymentIntentId: intentId } });
    // The event can overtake the commit of the request that created the payment: answer non-2xx and Stripe
    // delivers again shortly, by which time the row exists. Nothing is recorded for this attempt.
    if (!payment) throw new ApiError('conflict', `No payment for ${intentId} yet; deliver again`);
    if (!(await claimEvent(tx, event))) return { handled: false };

    const txDeps = withDb(deps, tx);
    const actor = systemActor(payment.tenantId, `stripe:${event.id}`, 'stripe');
    if (intent.status === 'succeeded' && payment.status !== 'succeeded') {
      await tx.payment.update({ where: { id: payment.id }, data: { status: 'succeeded', failureReason: null, updatedAt: new Date() } });
      await credit(txDeps, {
        tenantId: payment.tenantId,
        kind: 'top_up',
        amountCents: payment.amountCents,
        description: payment.purpose === 'auto_recharge' ? 'Auto-recharge' : 'Top-up',
        reference: { type: 'payment', id: payment.id },
        dedupeKey: `top_up:payment:${payment.id}`,
      });
      if (payment.purpose === 'auto_recharge') {
        await tx.autoRechargeSetting.updateMany({ where: { tenantId: payment.tenantId, inFlightPaymentId: payment.id }, data: { inFlightPaymentId: null } });
      }
      await recordAudit(tx, actor, { action: 'payment.succeeded', resourceType: 'payment', resourceId: payment.id, before: { status: payment.status }, after: { status: 'succeeded' } });
    } else if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
      if (payment.status === 'succeeded') return { handled: true };
      const reason = intent.last_payment_error?.message ?? (intent.status === 'canceled' ? 'canceled' : 'payment failed');
      await tx.payment.update({ where: { id: payment.id }, data: { status: 'failed', failureReason: reason, updatedAt: new Date() } });
      if (payment.purpose === 'auto_recharge') await markAutoRechargeFailed(txDeps, payment.tenantId, reason, payment.id);
      await recordAudit(tx, actor, { action: 'payment.failed', resourceType: 'payment', resourceId: payment.id, before: { status: payment.status }, after: { status: 'failed', reason } });
    } else if (intent.status === 'requires_action' && payment.status === 'pending') {
      await tx.payment.update({ where: { id: payment.id }, data: { status: 'requires_action', updatedAt: new Date() } });
    }
    return { handled: true };
  });
}

async function recordOnly(deps: ServiceDeps, event: Stripe.Event) {
  return { handled: await inTransaction(deps.db, (tx) => claimEvent(tx, event)) };
}

/** Insert-or-ignore on the event id: true the first time only (a concurrent twin waits on the key, then sees it). */
async function claimEvent(tx: Prisma.TransactionClient, event: Stripe.Event): Promise<boolean> {
  const inserted = await tx.$executeRaw`INSERT INTO stripe_events (id, type) VALUES (${event.id}, ${event.type}) ON CONFLICT (id) DO NOTHING`;
  return inserted === 1;
}
