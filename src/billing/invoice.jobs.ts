import { withAdvisoryLock } from '../platform/advisory-lock';
import { ApiError, invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { Settlement, settleInvoice } from './invoice-stripe';
import { billingPeriod, BillingPeriod, claimInvoice, previousPeriod, statementLines } from './invoice.service';

// The monthly billing run: on the 1st (the scheduler, or `npm run admin -- billing:run-monthly`), one invoice per
// tenant with billable activity in the month that just ended. Safe to run any number of times, concurrently
// too: invoices are claimed under UNIQUE (tenant_id, period_start) and settled under a per-invoice lock.

export interface InvoiceOutcome {
  tenantId: string;
  invoiceId: string;
  /** False when an earlier (or concurrent) run had already claimed it. */
  created: boolean;
  settlement: Settlement;
}

export interface MonthlyInvoicing {
  period: string;
  invoices: InvoiceOutcome[];
  /** Tenants whose invoice could not be finished this time (Stripe down …); the next run picks them up. */
  failures: { tenantId: string; message: string }[];
}

/** Invoices the month starting at `periodStart` (deps.clock decides whether it has ended). */
export async function generateMonthlyInvoices(deps: ServiceDeps, periodStart: Date): Promise<MonthlyInvoicing> {
  const period = billingPeriod(periodStart);
  if (period.end.getTime() > deps.clock.now().getTime()) {
    throw invalidRequest(`${period.label} has not ended yet; it can be invoiced from ${period.end.toISOString()}`, 'period');
  }
  const statements = await statementLines(deps.db, period);
  // Invoices an interrupted run claimed but did not settle are finished as well.
  const unsettled = await deps.db.invoice.findMany({ where: { periodStart: period.start, status: { not: 'paid' } }, select: { tenantId: true } });
  const tenants = [...new Set([...statements.keys(), ...unsettled.map((u) => u.tenantId)])];

  const result: MonthlyInvoicing = { period: period.label, invoices: [], failures: [] };
  // One tenant after the other: a run is not urgent, and Stripe's rate limits are per account.
  for (const tenantId of tenants) {
    try {
      const { invoice, created } = await claimInvoice(deps, tenantId, period, statements.get(tenantId) ?? []);
      const settlement = invoice.status === 'paid' ? 'already_paid' : await settleInvoice(deps, invoice.id);
      result.invoices.push({ tenantId, invoiceId: invoice.id, created, settlement });
    } catch (err) {
      result.failures.push({ tenantId, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

export interface MonthlyRun extends MonthlyInvoicing {
  /** True once every invoice of the period is paid: the scheduler stops checking this month. */
  completed: boolean;
}

/**
 * One run for a period (by default the month that ended last), recorded in billing_runs. Runs for the same
 * period are serialised by an advisory lock, so two gateway instances never do the work twice; a run that
 * finds the lock taken answers `conflict`.
 */
export async function runMonthlyBilling(deps: ServiceDeps, opts: { period?: BillingPeriod } = {}): Promise<MonthlyRun> {
  const period = opts.period ?? previousPeriod(deps.clock.now());
  const locked = await withAdvisoryLock(
    deps.db,
    `billing:monthly:${period.label}`,
    async () => {
      await deps.db.billingRun.createMany({ data: [{ periodStart: period.start }], skipDuplicates: true });
      const result = await generateMonthlyInvoices(deps, period.start);
      // `busy` means another caller of generateMonthlyInvoices is settling it: not done until seen paid.
      const completed = result.failures.length === 0 && result.invoices.every((i) => i.settlement !== 'busy');
      await deps.db.billingRun.update({
        where: { periodStart: period.start },
        data: { invoicesCreated: { increment: result.invoices.filter((i) => i.created).length }, ...(completed ? { completedAt: deps.clock.now() } : {}) },
      });
      return { ...result, completed };
    },
    { timeoutMs: 6 * 3_600_000 },
  );
  if (!locked.acquired) throw new ApiError('conflict', `The billing run for ${period.label} is already in progress`);
  return locked.result;
}

export type ScheduledOutcome = { outcome: 'not_yet' | 'already_done' | 'busy'; period: string } | { outcome: 'ran'; period: string; run: MonthlyRun };

/**
 * How long after midnight on the 1st the scheduler waits. A ledger entry is stamped with its transaction's start,
 * so one begun at 23:59:59 may commit just after midnight and still belong to the month: the run must not have
 * read the month before it lands.
 */
export const SETTLE_MARGIN_MS = 10 * 60_000;

/** What the scheduler does each hour: run this month's billing unless it has completed. */
export async function runMonthlyBillingIfDue(deps: ServiceDeps): Promise<ScheduledOutcome> {
  const now = deps.clock.now();
  const period = previousPeriod(now);
  if (now.getTime() < period.end.getTime() + SETTLE_MARGIN_MS) return { outcome: 'not_yet', period: period.label };
  const done = await deps.db.billingRun.findUnique({ where: { periodStart: period.start }, select: { completedAt: true } });
  if (done?.completedAt) return { outcome: 'already_done', period: period.label };
  try {
    return { outcome: 'ran', period: period.label, run: await runMonthlyBilling(deps, { period }) };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict') return { outcome: 'busy', period: period.label };
    throw err;
  }
}
