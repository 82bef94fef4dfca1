import pino from 'pino';
import { billingSchedulerEnabled, startBillingScheduler } from '../../src/billing/billing-scheduler';
import { generateMonthlyInvoices, MonthlyInvoicing, runMonthlyBilling, runMonthlyBillingIfDue } from '../../src/billing/invoice.jobs';
import { parsePeriodLabel, previousPeriod } from '../../src/billing/invoice.service';
import { verifyLedger } from '../../src/billing/ledger.service';
import { loadConfig } from '../../src/config';
import { PaymentsSetup, setUpPayments } from '../../src/payments/setup';
import { ManualClock } from '../../src/platform/clock';
import { ServiceDeps } from '../../src/platform/service-deps';
import { chargedAt, octoberActivity } from '../helpers/billing-fixtures';
import { fundedTenant, serviceDeps } from '../helpers/services';

// The monthly run against a real database and the local Stripe server, through the unchanged SDK. "Now" is a
// ManualClock a few minutes into November 2026; the fixtures write October's ledger as it would have happened.
describe('monthly invoices', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  let payments: PaymentsSetup;
  let deps: ServiceDeps;
  const clock = new ManualClock(new Date('2026-11-01T00:10:00Z'));
  const OCTOBER = new Date('2026-10-01T00:00:00Z');

  beforeAll(async () => {
    base = await serviceDeps({ clock });
    payments = await setUpPayments(loadConfig({}));
    deps = { ...base, payments: payments.payments };
  });
  afterAll(async () => {
    await payments.close();
    await base.close();
  });
  beforeEach(() => clock.set(new Date('2026-11-01T00:10:00Z')));

  const stripe = () => payments.payments.stripe;
  // Tenants of earlier tests stay in the database (already paid): look at this test's own.
  const mine = (run: MonthlyInvoicing, tenantId: string) => run.invoices.filter((i) => i.tenantId === tenantId);
  const customerOf = async (tenantId: string) => (await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).stripeCustomerId;
  const stripeInvoicesOf = async (tenantId: string) => {
    const customer = await customerOf(tenantId);
    return customer ? (await stripe().invoices.list({ customer, limit: 100 })).data : [];
  };

  it('bills October’s plan fee, MRC and overage as one paid invoice, mirrored in Stripe with a real PDF', async () => {
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId);
    // Not on the invoice: top-ups, other kinds, and anything outside October.
    await chargedAt(base.prisma, tenantId, 'lookup', 5n, 'lookup', new Date('2026-10-05T00:00:00Z'));
    await chargedAt(base.prisma, tenantId, 'number_monthly', 150n, 'September MRC', new Date('2026-09-30T23:59:59.999Z'));
    await chargedAt(base.prisma, tenantId, 'number_monthly', 150n, 'November MRC', new Date('2026-11-01T00:00:00Z'));

    const run = await generateMonthlyInvoices(deps, OCTOBER);
    expect(run).toMatchObject({ period: '2026-10', failures: [] });
    expect(mine(run, tenantId)).toEqual([{ tenantId, invoiceId: expect.any(String), created: true, settlement: 'settled' }]);

    const invoice = await base.prisma.invoice.findUniqueOrThrow({ where: { id: mine(run, tenantId)[0].invoiceId } });
    expect(invoice).toMatchObject({
      tenantId,
      periodStart: OCTOBER,
      periodEnd: new Date('2026-11-01T00:00:00Z'),
      status: 'paid',
      currency: 'USD',
      totalCents: 10_650n,
      stripeInvoiceId: expect.stringMatching(/^in_/),
      invoicePdfUrl: expect.stringMatching(/^http.*\/pdf$/),
      hostedInvoiceUrl: expect.stringMatching(/^http/),
    });
    expect(invoice.lines).toEqual([
      { kind: 'plan_fee', description: 'Growth plan, period from 2026-10-01', quantity: 1, unit_amount_cents: 9_900, amount_cents: 9_900 },
      { kind: 'number_monthly', description: 'Phone number monthly fee (MRC)', quantity: 3, unit_amount_cents: 150, amount_cents: 450 },
      { kind: 'number_monthly', description: 'Phone number monthly fee (MRC)', quantity: 1, unit_amount_cents: 100, amount_cents: 100 },
      { kind: 'overage', description: expect.stringContaining('5 rated calls'), quantity: 1, unit_amount_cents: 200, amount_cents: 200 },
    ]);

    const remote = await stripe().invoices.retrieve(invoice.stripeInvoiceId!);
    expect(remote).toMatchObject({ status: 'paid', total: 10_650, amount_paid: 10_650, customer: await customerOf(tenantId), invoice_pdf: invoice.invoicePdfUrl });
    expect(remote.metadata).toEqual({ voepy_invoice_id: invoice.id, tenant_id: tenantId, period: '2026-10' });
    const lines = (await stripe().invoices.listLineItems(remote.id, { limit: 100 })).data;
    expect(lines.map((l) => [l.amount, l.quantity])).toEqual([[9_900, 1], [450, 3], [100, 1], [200, 1]]);

    const pdf = await fetch(invoice.invoicePdfUrl!);
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // A statement, not a charge: the balance is what the ledger already says, and still agrees with it.
    expect(await verifyLedger(base.prisma)).toEqual([]);
    expect(await base.prisma.auditEntry.findMany({ where: { resourceId: invoice.id }, orderBy: { id: 'asc' }, select: { action: true } })).toEqual([
      { action: 'invoice.created' },
      { action: 'invoice.finalized' },
      { action: 'invoice.paid' },
    ]);
  });

  it('running it again creates nothing, in the database or in Stripe', async () => {
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId);
    const first = mine(await generateMonthlyInvoices(deps, OCTOBER), tenantId);
    const second = mine(await generateMonthlyInvoices(deps, OCTOBER), tenantId);
    expect(first).toEqual([{ tenantId, invoiceId: expect.any(String), created: true, settlement: 'settled' }]);
    expect(second).toEqual([{ tenantId, invoiceId: first[0].invoiceId, created: false, settlement: 'already_paid' }]);
    expect(await base.prisma.invoice.count({ where: { tenantId } })).toBe(1);
    expect(await stripeInvoicesOf(tenantId)).toHaveLength(1);
  });

  it('two runs at once make one invoice and one Stripe invoice with each line once', async () => {
    const tenantIds = [await fundedTenant(deps, 50_000n), await fundedTenant(deps, 50_000n)];
    for (const id of tenantIds) await octoberActivity(base.prisma, id);
    const runs = await Promise.all([generateMonthlyInvoices(deps, OCTOBER), generateMonthlyInvoices(deps, OCTOBER)]);
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    for (const tenantId of tenantIds) {
      const outcomes = runs.flatMap((r) => r.invoices.filter((i) => i.tenantId === tenantId));
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      expect(new Set(outcomes.map((o) => o.invoiceId)).size).toBe(1);
      expect(await base.prisma.invoice.count({ where: { tenantId } })).toBe(1);
      const remote = await stripeInvoicesOf(tenantId);
      expect(remote).toHaveLength(1);
      expect(remote[0]).toMatchObject({ status: 'paid', total: 10_650 });
      expect((await stripe().invoiceItems.list({ customer: (await customerOf(tenantId))!, limit: 100 })).data).toHaveLength(4);
    }
    expect(await base.prisma.invoice.count({ where: { status: 'paid' } })).toBeGreaterThanOrEqual(2);
  });

  it('two monthly runs at once: one works, the other is told it is in progress; the run is recorded once', async () => {
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId);
    const period = parsePeriodLabel('2026-10');
    const outcomes = await Promise.allSettled([runMonthlyBilling(deps, { period }), runMonthlyBilling(deps, { period })]);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused.map((r) => r.reason.code)).toEqual(['conflict']);
    expect((done[0] as PromiseFulfilledResult<any>).value).toMatchObject({ period: '2026-10', completed: true });
    expect(await base.prisma.billingRun.findUniqueOrThrow({ where: { periodStart: OCTOBER } })).toMatchObject({ completedAt: clock.now(), invoicesCreated: 1 });
    expect(await stripeInvoicesOf(tenantId)).toHaveLength(1);
  });

  it('a tenant with nothing billable in the month gets no invoice', async () => {
    const idle = await fundedTenant(deps, 5_000n); // its only entry is a top-up-like credit
    await chargedAt(base.prisma, idle, 'lookup', 5n, 'lookup', new Date('2026-10-05T00:00:00Z'));
    await chargedAt(base.prisma, idle, 'action_fee', 50n, 'gather', new Date('2026-10-06T00:00:00Z'));
    const run = await generateMonthlyInvoices(deps, OCTOBER);
    expect(run.invoices.find((i) => i.tenantId === idle)).toBeUndefined();
    expect(await base.prisma.invoice.count({ where: { tenantId: idle } })).toBe(0);
    expect(await customerOf(idle)).toBeNull(); // not even a Stripe customer was made for it
  });

  it('refuses a month that has not ended, and a period that is not a month', async () => {
    clock.set(new Date('2026-10-31T23:59:59Z'));
    await expect(generateMonthlyInvoices(deps, OCTOBER)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('has not ended') });
    await expect(generateMonthlyInvoices(deps, new Date('2026-10-02T00:00:00Z'))).rejects.toMatchObject({ code: 'invalid_request' });
    expect(() => parsePeriodLabel('2026-13')).toThrow('YYYY-MM');
    expect(previousPeriod(new Date('2027-01-01T00:00:00Z'))).toMatchObject({ label: '2026-12', end: new Date('2027-01-01T00:00:00Z') });
  });

  it('an interrupted run is finished by the next one without creating anything twice in Stripe', async () => {
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId);
    // Stripe fails finalizing (every retry the SDK makes), after the draft and its four lines exist.
    payments.local!.controls.setFaults({ failNext: 3, failMatching: '/finalize' });
    const broken = await generateMonthlyInvoices(deps, OCTOBER);
    payments.local!.controls.resetFaults();
    expect(broken.failures).toEqual([{ tenantId, message: expect.stringContaining('payment provider failed') }]);
    expect(await base.prisma.invoice.findFirstOrThrow({ where: { tenantId } })).toMatchObject({ status: 'draft', stripeInvoiceId: expect.stringMatching(/^in_/) });

    const resumed = await generateMonthlyInvoices(deps, OCTOBER);
    expect(mine(resumed, tenantId)).toEqual([{ tenantId, invoiceId: expect.any(String), created: false, settlement: 'settled' }]);
    const remote = await stripeInvoicesOf(tenantId);
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatchObject({ status: 'paid', total: 10_650 });
    expect((await stripe().invoiceItems.list({ customer: (await customerOf(tenantId))!, limit: 100 })).data).toHaveLength(4);
  });

  it('the scheduler’s hourly check runs the month once, then knows it is done', async () => {
    // December, so no other test's run of October counts.
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId, '2026-12');
    clock.set(new Date('2027-01-01T00:05:00Z'));
    // Not in the first minutes of the month: entries of December may still be committing.
    expect(await runMonthlyBillingIfDue(deps)).toEqual({ outcome: 'not_yet', period: '2026-12' });
    clock.set(new Date('2027-01-01T00:15:00Z'));
    const first = await runMonthlyBillingIfDue(deps);
    expect(first).toMatchObject({ outcome: 'ran', period: '2026-12', run: { completed: true } });
    clock.set(new Date('2027-01-01T01:15:00Z'));
    expect(await runMonthlyBillingIfDue(deps)).toEqual({ outcome: 'already_done', period: '2026-12' });
    expect(await base.prisma.invoice.count({ where: { tenantId } })).toBe(1);
  });

  it('the gateway’s scheduler runs it on its own, and BILLING_SCHEDULER=off keeps it from starting', async () => {
    const tenantId = await fundedTenant(deps, 50_000n);
    await octoberActivity(base.prisma, tenantId, '2027-02');
    clock.set(new Date('2027-03-01T00:15:00Z'));
    const logger = pino({ level: 'silent' });
    expect(billingSchedulerEnabled({ BILLING_SCHEDULER: 'off' })).toBe(false);
    expect(billingSchedulerEnabled({})).toBe(true);
    expect(() => billingSchedulerEnabled({ BILLING_SCHEDULER: 'sometimes' })).toThrow('BILLING_SCHEDULER');
    const off = startBillingScheduler(deps, logger, { env: { BILLING_SCHEDULER: 'off' }, firstCheckMs: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await off();
    expect(await base.prisma.invoice.count({ where: { tenantId } })).toBe(0);

    const stop = startBillingScheduler(deps, logger, { env: {}, firstCheckMs: 1 });
    try {
      const deadline = Date.now() + 25_000;
      while (!(await base.prisma.billingRun.findUnique({ where: { periodStart: new Date('2027-02-01T00:00:00Z') } }))?.completedAt) {
        if (Date.now() > deadline) throw new Error('the scheduler did not run February');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await stop();
    }
    expect(await base.prisma.invoice.findFirstOrThrow({ where: { tenantId } })).toMatchObject({ status: 'paid', totalCents: 10_650n });
  });
});
