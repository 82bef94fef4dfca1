import Stripe from 'stripe';
import { Invoice, InvoiceStatus } from '../generated/prisma/client';
import { recordAudit } from '../audit/audit.service';
import { withAdvisoryLock } from '../platform/advisory-lock';
import { systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { requirePayments, ServiceDeps } from '../platform/service-deps';
import { callStripe, ensureCustomer } from './funding.service';
import { billingPeriod, StoredInvoiceLine } from './invoice.service';

// An invoice's Stripe twin, so the tenant gets Stripe's hosted page and PDF: a draft with one item per line,
// finalized, then marked paid out of band, because the money was already taken from the prepaid balance and
// Stripe must not try to collect it again.
//
// A run can die at any step and be run again. Every Stripe call carries an idempotency key derived from
// `invoice:<tenant>:<period>` (and the step), the Stripe invoice's id is recorded as soon as it exists, and a
// resumed draft is checked for the lines it already has, so a retry never creates anything twice in Stripe.

export type Settlement = 'settled' | 'already_paid' | 'busy';

/** Lock, then mirror and settle the invoice; `busy` when another run holds it (that run will finish it). */
export async function settleInvoice(deps: ServiceDeps, invoiceId: string): Promise<Settlement> {
  const locked = await withAdvisoryLock(
    deps.db,
    `invoice:${invoiceId}`,
    async () => {
      // Re-read under the lock: the run that held it before may have finished the job.
      const invoice = await deps.db.invoice.findUniqueOrThrow({ where: { id: invoiceId } });
      if (invoice.status === 'paid') return 'already_paid' as const;
      await mirrorInStripe(deps, invoice);
      return 'settled' as const;
    },
    { timeoutMs: 5 * 60_000 },
  );
  return locked.acquired ? locked.result : 'busy';
}

async function mirrorInStripe(deps: ServiceDeps, invoice: Invoice): Promise<void> {
  const { stripe } = requirePayments(deps);
  const period = billingPeriod(invoice.periodStart);
  const key = `voepy:invoice:${invoice.tenantId}:${period.label}`;
  const customer = await ensureCustomer(deps, invoice.tenantId);

  let remote = invoice.stripeInvoiceId
    ? await callStripe(() => stripe.invoices.retrieve(invoice.stripeInvoiceId!))
    : await callStripe(() =>
        stripe.invoices.create(
          {
            customer,
            currency: invoice.currency.toLowerCase(),
            collection_method: 'charge_automatically',
            auto_advance: false,
            // Only this invoice's own items: never sweep up pending items created for anything else.
            pending_invoice_items_behavior: 'exclude',
            description: `voepy statement for ${period.label}. Already paid from your prepaid balance; nothing is due.`,
            metadata: { voepy_invoice_id: invoice.id, tenant_id: invoice.tenantId, period: period.label },
          },
          { idempotencyKey: `${key}:create` },
        ),
      );
  if (!invoice.stripeInvoiceId) {
    await deps.db.invoice.updateMany({ where: { id: invoice.id, stripeInvoiceId: null }, data: { stripeInvoiceId: remote.id, updatedAt: new Date() } });
  }

  if (remote.status === 'draft') {
    await addMissingLines(stripe, remote.id, customer, invoice, key);
    remote = await callStripe(() => stripe.invoices.finalizeInvoice(remote.id, { auto_advance: false }, { idempotencyKey: `${key}:finalize` }));
    await record(deps, invoice, remote);
  }
  if (remote.status === 'open') {
    remote = await callStripe(() => stripe.invoices.pay(remote.id, { paid_out_of_band: true }, { idempotencyKey: `${key}:pay` }));
  }
  if (remote.status !== 'paid') throw new Error(`Stripe invoice ${remote.id} is ${remote.status}; expected it paid out of band`);
  await record(deps, invoice, remote);
}

/** One invoice item per line, each tagged with its index, skipping those a previous attempt already added. */
async function addMissingLines(stripe: Stripe, stripeInvoiceId: string, customer: string, invoice: Invoice, key: string): Promise<void> {
  const present = new Set<string>();
  for await (const item of stripe.invoices.listLineItems(stripeInvoiceId, { limit: 100 })) {
    if (item.metadata?.voepy_line !== undefined) present.add(item.metadata.voepy_line);
  }
  const lines = invoice.lines as unknown as StoredInvoiceLine[];
  const period = { start: unixSeconds(invoice.periodStart), end: unixSeconds(invoice.periodEnd) };
  for (const [index, line] of lines.entries()) {
    if (present.has(String(index))) continue;
    await callStripe(() =>
      stripe.invoiceItems.create(
        {
          customer,
          invoice: stripeInvoiceId,
          currency: invoice.currency.toLowerCase(),
          description: line.description,
          period,
          ...(line.quantity === 1 ? { amount: line.amount_cents } : { quantity: line.quantity, unit_amount_decimal: Stripe.Decimal.from(line.unit_amount_cents) }),
          metadata: { voepy_invoice_id: invoice.id, voepy_line: String(index), kind: line.kind },
        },
        { idempotencyKey: `${key}:line:${index}` },
      ),
    );
  }
}

/** Mirrors Stripe's status and document links onto the row; the audit log gets each status change once. */
async function record(deps: ServiceDeps, invoice: Invoice, remote: Stripe.Invoice): Promise<void> {
  const status = mirroredStatus(remote.status);
  await inTransaction(deps.db, async (tx) => {
    const { count } = await tx.invoice.updateMany({
      where: { id: invoice.id, status: { not: status } },
      data: { status, stripeInvoiceId: remote.id, hostedInvoiceUrl: remote.hosted_invoice_url ?? null, invoicePdfUrl: remote.invoice_pdf ?? null, updatedAt: new Date() },
    });
    if (count === 0) return;
    await recordAudit(tx, systemActor(invoice.tenantId, `billing:${invoice.id}`), {
      action: status === 'open' ? 'invoice.finalized' : `invoice.${status}`,
      resourceType: 'invoice',
      resourceId: invoice.id,
      after: { status, stripe_invoice_id: remote.id },
    });
  });
}

function mirroredStatus(status: Stripe.Invoice.Status | null): InvoiceStatus {
  // Stripe's `uncollectible` never happens to a statement; should it, the invoice is still open to us.
  if (status === 'draft') return 'draft';
  if (status === 'paid') return 'paid';
  if (status === 'void') return 'void';
  return 'open';
}

function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}
