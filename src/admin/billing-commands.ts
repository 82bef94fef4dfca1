import { resolve } from 'node:path';
import { runMonthlyBilling } from '../billing/invoice.jobs';
import { parsePeriodLabel } from '../billing/invoice.service';
import { refundPayment } from '../billing/refund.service';
import { loadConfig } from '../config';
import { readLocalStripe } from '../payments/local-stripe-address';
import { createStripeClient, Payments } from '../payments/payments';
import { systemActor } from '../platform/auth/scopes';
import { systemClock } from '../platform/clock';
import { PrismaClient } from '../platform/db/client';
import { ApiError } from '../platform/errors';
import { createGatewayPubSub } from '../platform/pubsub';
import { ServiceDeps } from '../platform/service-deps';

// The admin CLI's commands that move card money or talk to Stripe: the monthly billing run and refunds.

/** Stripe itself with STRIPE_SECRET_KEY; else the local Stripe-compatible server of the running gateway. */
function cliPayments(): Payments {
  const config = loadConfig();
  const limits = { currency: 'usd' as const, topUpMinimumCents: BigInt(config.topUpMinimumCents), topUpMaximumCents: BigInt(config.topUpMaximumCents) };
  if (config.stripeSecretKey && config.stripeWebhookSecret) {
    return { stripe: createStripeClient({ secretKey: config.stripeSecretKey }), webhookSecret: config.stripeWebhookSecret, ...limits };
  }
  const local = readLocalStripe(resolve(config.dataDir));
  if (!local) {
    throw new ApiError('service_unavailable', 'No Stripe to talk to: set STRIPE_SECRET_KEY, or start the gateway (npm start) so the CLI can use its local Stripe-compatible server');
  }
  const url = new URL(local.url);
  return { stripe: createStripeClient({ secretKey: local.secretKey, host: url.hostname, port: Number(url.port), protocol: 'http' }), webhookSecret: '', ...limits };
}

function services(prisma: PrismaClient): ServiceDeps {
  return { db: prisma, pubSub: createGatewayPubSub(), clock: systemClock, payments: cliPayments() };
}

/** `billing:run-monthly [--period YYYY-MM]`: by default the month that ended last. Exits 1 when incomplete. */
export async function runMonthlyBillingCommand(prisma: PrismaClient, period: string | undefined): Promise<unknown> {
  const run = await runMonthlyBilling(services(prisma), { period: period === undefined ? undefined : parsePeriodLabel(period) });
  if (!run.completed) process.exitCode = 1;
  return {
    period: run.period,
    completed: run.completed,
    invoices: run.invoices.map((i) => ({ tenant_id: i.tenantId, invoice_id: i.invoiceId, created: i.created, settlement: i.settlement })),
    failures: run.failures.map((f) => ({ tenant_id: f.tenantId, message: f.message })),
  };
}

/** `payment:refund <tenant-id> <payment-id> [--amount-cents n]`: answers the payment as the API shows it. */
export async function refundPaymentCommand(prisma: PrismaClient, tenantId: string | undefined, paymentId: string | undefined, amount: string | undefined): Promise<unknown> {
  if (!tenantId || !paymentId) throw new ApiError('invalid_request', 'payment:refund needs <tenant-id> <payment-id>');
  if (amount !== undefined && !/^\d+$/.test(amount)) throw new ApiError('invalid_request', '--amount-cents must be a whole number of cents');
  const actor = systemActor(tenantId, `cli-${Date.now()}`, 'admin_cli');
  const p = await refundPayment(services(prisma), actor, paymentId, amount === undefined ? undefined : BigInt(amount));
  return {
    id: p.id,
    amount_cents: p.amountCents,
    amount_refunded_cents: p.amountRefundedCents,
    currency: p.currency,
    status: p.status,
    stripe_payment_intent_id: p.stripePaymentIntentId,
    created_at: p.createdAt,
  };
}
