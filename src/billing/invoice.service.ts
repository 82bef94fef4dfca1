import { InvoiceStatus, Prisma } from '../generated/prisma/client';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope, systemActor } from '../platform/auth/scopes';
import { addUtcMonths, startOfUtcMonth } from '../platform/clock';
import { Db } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { invalidRequest } from '../platform/errors';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';

// Monthly invoices (spec: "A monthly invoice is generated on the 1st covering MRC charges + overage minutes …
// Top-ups and per-call rated charges are not re-billed"). Every amount on an invoice was already debited from the
// prepaid balance when it happened (MRC and plan fees on the 1st, calls at hangup), so an invoice is a statement:
// it asks for no money and is settled — `paid` — from the balance. That is why its Stripe twin is marked paid out
// of band rather than charged to a card (invoice-stripe.ts).

export type InvoiceLineKind = 'plan_fee' | 'number_monthly' | 'overage';

/** A line as stored (jsonb) and as REST shows it. */
export interface StoredInvoiceLine {
  kind: InvoiceLineKind;
  description: string;
  quantity: number;
  unit_amount_cents: number;
  amount_cents: number;
}

export interface InvoiceLineView {
  kind: InvoiceLineKind;
  description: string;
  quantity: number;
  unitAmountCents: bigint;
  amountCents: bigint;
}

export interface InvoiceView {
  id: string;
  periodStart: Date;
  periodEnd: Date;
  status: InvoiceStatus;
  currency: string;
  totalCents: bigint;
  lines: InvoiceLineView[];
  invoicePdfUrl: string | null;
  hostedInvoiceUrl: string | null;
  createdAt: Date;
}

export async function listInvoices(deps: ServiceDeps, actor: Actor, filter: { status?: InvoiceStatus | null }, page: PageArgs): Promise<Page<InvoiceView>> {
  requireScope(actor, 'billing:read');
  const found = await paginate(page, (take, cursor) =>
    deps.db.invoice.findMany({ where: { tenantId: actor.tenantId, ...(filter.status ? { status: filter.status } : {}), ...cursor }, orderBy: NEWEST_FIRST, take }),
  );
  return { ...found, nodes: found.nodes.map(toView) };
}

function toView(row: Prisma.InvoiceGetPayload<object>): InvoiceView {
  const lines = row.lines as unknown as StoredInvoiceLine[];
  return {
    id: row.id,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    status: row.status,
    currency: row.currency,
    totalCents: row.totalCents,
    lines: lines.map((l) => ({ kind: l.kind, description: l.description, quantity: l.quantity, unitAmountCents: BigInt(l.unit_amount_cents), amountCents: BigInt(l.amount_cents) })),
    invoicePdfUrl: row.invoicePdfUrl,
    hostedInvoiceUrl: row.hostedInvoiceUrl,
    createdAt: row.createdAt,
  };
}

/** A calendar month, UTC: [start, end). */
export interface BillingPeriod {
  start: Date;
  end: Date;
  /** `2026-10`: names the month in keys, metadata and messages. */
  label: string;
}

export function billingPeriod(start: Date): BillingPeriod {
  if (Number.isNaN(start.getTime()) || startOfUtcMonth(start).getTime() !== start.getTime()) {
    throw invalidRequest('A billing period starts at the first instant of a UTC month', 'period');
  }
  return { start, end: addUtcMonths(start, 1), label: start.toISOString().slice(0, 7) };
}

/** `2026-10` → October 2026. */
export function parsePeriodLabel(label: string): BillingPeriod {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(label);
  if (!m) throw invalidRequest('period must be a month, YYYY-MM', 'period');
  return billingPeriod(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

/** The month that ended last before `now`: what the run on the 1st bills. */
export function previousPeriod(now: Date): BillingPeriod {
  return billingPeriod(addUtcMonths(startOfUtcMonth(now), -1));
}

/**
 * What each tenant's invoice for the period says, from the ledger: the plan fee and MRC entries grouped by what
 * they charged, and the month's rated call charges as one overage line. Rating debits only what is past the
 * plan's included minutes (included minutes rate at zero), so the call charges are the overage. Tenants with
 * nothing of these kinds in the period are absent: they get no invoice.
 */
export async function statementLines(db: Db, period: BillingPeriod): Promise<Map<string, StoredInvoiceLine[]>> {
  const groups = await db.$queryRaw<{ tenantId: string; kind: 'plan_fee' | 'number_monthly' | 'call_charge'; label: string | null; unitCents: bigint; count: number }[]>`
    SELECT tenant_id::text AS "tenantId", kind::text AS kind,
           CASE WHEN kind = 'plan_fee' THEN description END AS label,
           -amount_cents AS "unitCents", count(*)::int AS count
    FROM ledger_entries
    WHERE kind IN ('plan_fee', 'number_monthly', 'call_charge')
      AND created_at >= ${period.start} AND created_at < ${period.end}
    GROUP BY tenant_id, kind, label, amount_cents
    ORDER BY tenant_id, kind, label, amount_cents -- debits are negative: the dearest item first
  `;
  const byTenant = new Map<string, { fees: StoredInvoiceLine[]; numbers: StoredInvoiceLine[]; calls: { count: number; cents: bigint } }>();
  for (const g of groups) {
    const t = byTenant.get(g.tenantId) ?? { fees: [], numbers: [], calls: { count: 0, cents: 0n } };
    byTenant.set(g.tenantId, t);
    if (g.kind === 'call_charge') {
      t.calls.count += g.count;
      t.calls.cents += g.unitCents * BigInt(g.count);
    } else if (g.kind === 'plan_fee') {
      t.fees.push(line('plan_fee', g.label ?? 'Plan fee', g.count, g.unitCents));
    } else {
      t.numbers.push(line('number_monthly', 'Phone number monthly fee (MRC)', g.count, g.unitCents));
    }
  }
  const out = new Map<string, StoredInvoiceLine[]>();
  for (const [tenantId, t] of byTenant) {
    const lines = [...t.fees, ...t.numbers];
    if (t.calls.cents !== 0n) {
      lines.push(line('overage', `Voice usage past the plan's included minutes: ${t.calls.count} rated call${t.calls.count === 1 ? '' : 's'}, charged from the balance at hangup`, 1, t.calls.cents));
    }
    if (totalOf(lines) > 0n) out.set(tenantId, lines);
  }
  return out;
}

function line(kind: InvoiceLineKind, description: string, quantity: number, unitCents: bigint): StoredInvoiceLine {
  return { kind, description, quantity, unit_amount_cents: Number(unitCents), amount_cents: Number(unitCents * BigInt(quantity)) };
}

function totalOf(lines: StoredInvoiceLine[]): bigint {
  return lines.reduce((sum, l) => sum + BigInt(l.amount_cents), 0n);
}

/**
 * The tenant's invoice for the period, created the first time only: UNIQUE (tenant_id, period_start) makes a
 * second run, or a concurrent one, find the first one's row instead. Its lines are fixed here, once.
 */
export async function claimInvoice(deps: ServiceDeps, tenantId: string, period: BillingPeriod, lines: StoredInvoiceLine[]) {
  return inTransaction(deps.db, async (tx) => {
    const { currency } = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { currency: true } });
    const { count } = await tx.invoice.createMany({
      data: [{ tenantId, periodStart: period.start, periodEnd: period.end, currency, totalCents: totalOf(lines), lines: lines as unknown as Prisma.InputJsonValue }],
      skipDuplicates: true,
    });
    const invoice = await tx.invoice.findUniqueOrThrow({ where: { tenantId_periodStart: { tenantId, periodStart: period.start } } });
    if (count === 1) {
      await recordAudit(tx, systemActor(tenantId, `billing:${period.label}`), {
        action: 'invoice.created',
        resourceType: 'invoice',
        resourceId: invoice.id,
        after: { period: period.label, total_cents: invoice.totalCents, status: invoice.status },
      });
    }
    return { invoice, created: count === 1 };
  });
}
