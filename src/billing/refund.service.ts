import Stripe from 'stripe';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { requirePayments, ServiceDeps, withDb } from '../platform/service-deps';
import { callStripe } from './funding.service';
import { debit } from './ledger.service';
import type { PaymentView } from './payments.service';

// Refunds (spec: "Refunds are admin-initiated … The refund credits back to the original card and we issue a
// balancing ledger entry so your balance doesn't double-count"): money goes back to the card through Stripe, and
// the same amount leaves the prepaid balance as a `refund` debit, in the transaction that records it.

const PAYMENT_VIEW = { id: true, amountCents: true, amountRefundedCents: true, currency: true, status: true, stripePaymentIntentId: true, createdAt: true } as const;

interface LockedPayment {
  id: string;
  amountCents: bigint;
  amountRefundedCents: bigint;
  status: string;
  stripePaymentIntentId: string | null;
}

/**
 * Refunds `amountCents` (by default all that is left) of one of the caller's succeeded payments. The payment row
 * is locked for the whole use case, Stripe call included, so two concurrent refunds of the remainder cannot both
 * pass the "not more than is left" check: the second waits, then sees what the first refunded.
 */
export async function refundPayment(deps: ServiceDeps & { idempotencyKey?: string }, actor: Actor, paymentId: string, amountCents?: bigint | null): Promise<PaymentView> {
  requireScope(actor, 'admin');
  if (amountCents !== undefined && amountCents !== null && amountCents <= 0n) throw invalidRequest('amount_cents must be a positive number of cents', 'amount_cents');
  const notFound = new ApiError('not_found', `Payment ${paymentId} not found`);
  if (!isUuid(paymentId)) throw notFound;
  const { stripe } = requirePayments(deps);

  return inTransaction(
    deps.db,
    async (tx) => {
      const [payment] = await tx.$queryRaw<LockedPayment[]>`
        SELECT id, amount_cents AS "amountCents", amount_refunded_cents AS "amountRefundedCents", status::text AS status,
               stripe_payment_intent_id AS "stripePaymentIntentId"
        FROM payments WHERE id = ${paymentId}::uuid AND tenant_id = ${actor.tenantId}::uuid
        FOR UPDATE`;
      if (!payment) throw notFound;
      if (payment.status !== 'succeeded' || !payment.stripePaymentIntentId) {
        throw new ApiError('conflict', `Payment ${paymentId} is ${payment.status}; only a succeeded payment can be refunded`);
      }
      const left = payment.amountCents - payment.amountRefundedCents;
      if (left <= 0n) throw new ApiError('unprocessable', `Payment ${paymentId} is already fully refunded`);
      const amount = amountCents ?? left;
      if (amount > left) {
        throw new ApiError('unprocessable', `Cannot refund ${amount} cents: payment ${paymentId} has ${left} left to refund (paid ${payment.amountCents}, already refunded ${payment.amountRefundedCents})`);
      }

      // A retried request must find its first refund, never make a second: the key is the request's own
      // Idempotency-Key when it has one, else the payment's state before this refund (a retry after a crash sees
      // the same state; the next refund sees a new one).
      const stripeKey = deps.idempotencyKey
        ? `voepy:refund:${payment.id}:request:${deps.idempotencyKey}`
        : `voepy:refund:${payment.id}:after:${payment.amountRefundedCents}`;
      const refund = await createStripeRefund(stripe, payment.stripePaymentIntentId, amount, stripeKey, { voepy_payment_id: payment.id, tenant_id: actor.tenantId });

      // Stripe answered with a refund an earlier, interrupted attempt already recorded: nothing more to do.
      const dedupeKey = `refund:${refund.id}`;
      if (await tx.ledgerEntry.findUnique({ where: { dedupeKey }, select: { id: true } })) {
        return tx.payment.findUniqueOrThrow({ where: { id: payment.id }, select: PAYMENT_VIEW });
      }
      // Forced: the money has already gone back to the card, so the entry must exist whatever the balance or the
      // credit limit; refunding a top-up the tenant has since spent is support's call, and leaves a negative balance.
      await debit(
        withDb(deps, tx),
        {
          tenantId: actor.tenantId,
          kind: 'refund',
          amountCents: amount,
          description: `Refund of payment ${payment.id} to the card (${refund.id})`,
          reference: { type: 'payment', id: payment.id },
          dedupeKey,
        },
        { force: true, triggersAutoRecharge: false },
      );
      const after = await tx.payment.update({
        where: { id: payment.id },
        data: { amountRefundedCents: { increment: amount }, updatedAt: new Date() },
        select: PAYMENT_VIEW,
      });
      await recordAudit(tx, actor, {
        action: 'payment.refunded',
        resourceType: 'payment',
        resourceId: payment.id,
        before: { amount_refunded_cents: payment.amountRefundedCents },
        after: { amount_refunded_cents: after.amountRefundedCents, refunded_cents: amount, stripe_refund_id: refund.id },
      });
      return after;
    },
    // The Stripe call happens inside, with the row locked: give it the time the SDK's retries may take.
    { timeoutMs: 60_000 },
  );
}

async function createStripeRefund(stripe: Stripe, paymentIntent: string, amount: bigint, idempotencyKey: string, metadata: Record<string, string>): Promise<Stripe.Refund> {
  return callStripe(async () => {
    try {
      return await stripe.refunds.create({ payment_intent: paymentIntent, amount: Number(amount), reason: 'requested_by_customer', metadata }, { idempotencyKey });
    } catch (err) {
      if (err instanceof Stripe.errors.StripeIdempotencyError) {
        throw new ApiError('idempotency_conflict', 'A refund of this payment was already started with a different amount; retry it with the same amount');
      }
      if (err instanceof Stripe.errors.StripeInvalidRequestError && (err.code === 'amount_too_large' || err.code === 'charge_already_refunded')) {
        throw new ApiError('unprocessable', `Stripe refused the refund: ${err.message}`);
      }
      throw err;
    }
  });
}
