import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { generateMonthlyInvoices } from '../../src/billing/invoice.jobs';
import { claimInvoice, parsePeriodLabel } from '../../src/billing/invoice.service';
import { verifyLedger } from '../../src/billing/ledger.service';
import { publishLocalStripe } from '../../src/payments/local-stripe-address';
import { ManualClock } from '../../src/platform/clock';
import { ServiceDeps } from '../../src/platform/service-deps';
import { octoberActivity } from '../helpers/billing-fixtures';
import { addKey, createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// Invoices and refunds as clients see them: /v1 and /graphql on a started gateway, its Stripe SDK against the
// local Stripe server, which delivers signed events to the gateway's webhook exactly as Stripe would.
describe('invoices and refunds', () => {
  let gw: TestGateway;
  let stripe: Stripe;
  let deps: ServiceDeps;
  const clock = new ManualClock(new Date('2026-11-01T00:10:00Z'));

  beforeAll(async () => {
    gw = await startTestGateway();
    stripe = gw.stripe.payments.stripe;
    deps = { db: gw.prisma, pubSub: gw.pubSub, clock, payments: gw.stripe.payments };
  });
  afterAll(() => gw.close());

  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const balance = async (tenant: TestTenant) => (await rest(gw.url, 'GET', '/v1/account', { key: tenant.key })).body.balance.amount_cents as number;

  describe('monthly invoices', () => {
    let t: TestTenant;
    let other: TestTenant;

    beforeAll(async () => {
      t = await createTestTenant(gw.prisma, { name: 'Invoiced Co' });
      other = await createTestTenant(gw.prisma, { name: 'Other Co' });
      // July's invoice claimed but never settled (a run interrupted before Stripe): it shows as a draft.
      await claimInvoice(deps, t.tenantId, parsePeriodLabel('2026-07'), [{ kind: 'plan_fee', description: 'Growth plan', quantity: 1, unit_amount_cents: 9_900, amount_cents: 9_900 }]);
      for (const month of ['2026-08', '2026-09', '2026-10']) {
        await octoberActivity(gw.prisma, t.tenantId, month);
        if (month === '2026-10') await octoberActivity(gw.prisma, other.tenantId, month);
        const run = await generateMonthlyInvoices(deps, parsePeriodLabel(month).start);
        expect(run.failures).toEqual([]);
      }
    });

    it('GET /v1/billing/invoices lists them newest first in the spec’s shape, with a PDF that downloads', async () => {
      const r = await rest(gw.url, 'GET', '/v1/billing/invoices', { key: t.key });
      expect(r.status).toBe(200);
      expect(r.body.meta).toEqual({ next_cursor: null });
      expect(r.body.data.map((i: any) => [i.period_start.slice(0, 7), i.status])).toEqual([
        ['2026-10', 'paid'],
        ['2026-09', 'paid'],
        ['2026-08', 'paid'],
        ['2026-07', 'draft'],
      ]);
      expect(r.body.data[0]).toEqual({
        id: expect.any(String),
        period_start: '2026-10-01T00:00:00.000Z',
        period_end: '2026-11-01T00:00:00.000Z',
        status: 'paid',
        currency: 'USD',
        total_cents: 10_650,
        lines: [
          { kind: 'plan_fee', description: 'Growth plan, period from 2026-10-01', quantity: 1, unit_amount_cents: 9_900, amount_cents: 9_900 },
          { kind: 'number_monthly', description: 'Phone number monthly fee (MRC)', quantity: 3, unit_amount_cents: 150, amount_cents: 450 },
          { kind: 'number_monthly', description: 'Phone number monthly fee (MRC)', quantity: 1, unit_amount_cents: 100, amount_cents: 100 },
          { kind: 'overage', description: expect.stringContaining('5 rated calls'), quantity: 1, unit_amount_cents: 200, amount_cents: 200 },
        ],
        invoice_pdf_url: expect.stringMatching(/^http:\/\/.+\/pdf$/),
        hosted_invoice_url: expect.stringMatching(/^http:\/\//),
        created_at: expect.any(String),
      });
      expect(r.body.data[3]).toMatchObject({ status: 'draft', invoice_pdf_url: null, hosted_invoice_url: null, total_cents: 9_900 });

      const pdf = await fetch(r.body.data[0].invoice_pdf_url);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    });

    it('pages with cursor and limit, and filters by status', async () => {
      const all = (await rest(gw.url, 'GET', '/v1/billing/invoices', { key: t.key })).body.data.map((i: any) => i.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await rest(gw.url, 'GET', `/v1/billing/invoices?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { key: t.key });
        expect(page.body.data).toHaveLength(1);
        seen.push(page.body.data[0].id);
        cursor = page.body.meta.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all);

      const paid = await rest(gw.url, 'GET', '/v1/billing/invoices?status=paid&limit=2', { key: t.key });
      expect(paid.body.data.map((i: any) => i.id)).toEqual(all.slice(0, 2));
      const rest2 = await rest(gw.url, 'GET', `/v1/billing/invoices?status=paid&cursor=${paid.body.meta.next_cursor}`, { key: t.key });
      expect(rest2.body).toEqual({ data: [expect.objectContaining({ id: all[2], status: 'paid' })], meta: { next_cursor: null } });
      expect((await rest(gw.url, 'GET', '/v1/billing/invoices?status=draft', { key: t.key })).body.data.map((i: any) => i.id)).toEqual([all[3]]);
      expect((await rest(gw.url, 'GET', '/v1/billing/invoices?status=void', { key: t.key })).body.data).toEqual([]);

      const bad = await rest(gw.url, 'GET', '/v1/billing/invoices?status=overdue', { key: t.key });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_request');
      expect((await rest(gw.url, 'GET', '/v1/billing/invoices?cursor=nonsense', { key: t.key })).body.error.code).toBe('invalid_request');
    });

    it('GraphQL gives the same invoices as a connection', async () => {
      const all = (await rest(gw.url, 'GET', '/v1/billing/invoices?status=paid', { key: t.key })).body.data;
      const g = await gql(gw.url, `query($after: String) { invoices(status: paid, first: 2, after: $after) {
          nodes { id status totalCents periodStart invoicePdfUrl lines { kind quantity unitAmountCents amountCents } }
          pageInfo { hasNextPage endCursor } } }`, { key: t.key });
      expect(g.body.errors).toBeUndefined();
      const page = g.body.data.invoices;
      expect(page.nodes.map((n: any) => n.id)).toEqual(all.slice(0, 2).map((i: any) => i.id));
      expect(page.nodes[0]).toMatchObject({ status: 'paid', totalCents: 10_650, periodStart: '2026-10-01T00:00:00.000Z', invoicePdfUrl: all[0].invoice_pdf_url });
      expect(page.nodes[0].lines).toHaveLength(4);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const next = await gql(gw.url, 'query($after: String) { invoices(status: paid, first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } }', {
        key: t.key,
        variables: { after: page.pageInfo.endCursor },
      });
      expect(next.body.data.invoices).toEqual({ nodes: [{ id: all[2].id }], pageInfo: { hasNextPage: false } });
    });

    it('shows a tenant only its own invoices, and needs billing:read', async () => {
      const theirs = await rest(gw.url, 'GET', '/v1/billing/invoices', { key: other.key });
      expect(theirs.body.data).toHaveLength(1);
      const mine = (await rest(gw.url, 'GET', '/v1/billing/invoices', { key: t.key })).body.data.map((i: any) => i.id);
      expect(mine).not.toContain(theirs.body.data[0].id);
      const callsOnly = await addKey(gw.prisma, t.tenantId, ['calls:read']);
      const refused = await rest(gw.url, 'GET', '/v1/billing/invoices', { key: callsOnly });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await gql(gw.url, '{ invoices { nodes { id } } }', { key: callsOnly })).body.errors[0].extensions.code).toBe('forbidden');
    });
  });

  describe('refunds', () => {
    let t: TestTenant;
    let payment: { id: string; intent: string };

    /** What a user does in the browser: a SetupIntent confirmed with a card through Stripe.js. */
    async function saveCard(tenant: TestTenant, testPm = 'pm_card_visa'): Promise<string> {
      const r = await rest(gw.url, 'POST', '/v1/billing/setup-intent', { key: tenant.key });
      const confirmed = await stripe.setupIntents.confirm(r.body.setup_intent_id, { payment_method: testPm });
      if (confirmed.status === 'requires_action') gw.stripe.local!.controls.completeAction(confirmed.id, true);
      return typeof confirmed.payment_method === 'string' ? confirmed.payment_method : confirmed.payment_method!.id;
    }
    /** A 50.00 top-up, credited by Stripe's webhook. */
    async function toppedUp(tenant: TestTenant, cents = 5_000): Promise<{ id: string; intent: string }> {
      const pm = await saveCard(tenant);
      const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: tenant.key, body: { amount_cents: cents, payment_method_id: pm } });
      expect(top.body.status).toBe('succeeded');
      await until(async () => (await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } })).status === 'succeeded', 'the webhook to credit the top-up');
      const row = await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } });
      return { id: row.id, intent: row.stripePaymentIntentId! };
    }
    const refund = (id: string, body?: unknown, key = t.key, headers: Record<string, string> = {}) => rest(gw.url, 'POST', `/v1/billing/payments/${id}/refund`, { key, body, headers });
    const chargeRefunded = async (intent: string) => {
      const pi = await stripe.paymentIntents.retrieve(intent);
      return (await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded;
    };
    const refundEntries = (tenant: TestTenant) => gw.prisma.ledgerEntry.findMany({ where: { tenantId: tenant.tenantId, kind: 'refund' }, orderBy: { createdAt: 'asc' } });

    beforeEach(async () => {
      t = await createTestTenant(gw.prisma);
      payment = await toppedUp(t);
      expect(await balance(t)).toBe(5_000);
    });

    it('refunds the whole payment by default: card credited, a balancing refund debit, the payment row updated', async () => {
      const r = await refund(payment.id);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        id: payment.id,
        amount_cents: 5_000,
        amount_refunded_cents: 5_000,
        currency: 'USD',
        status: 'succeeded',
        stripe_payment_intent_id: payment.intent,
        created_at: expect.any(String),
      });
      expect(await chargeRefunded(payment.intent)).toBe(5_000);
      expect(await balance(t)).toBe(0);
      const entries = await refundEntries(t);
      expect(entries).toEqual([expect.objectContaining({ amountCents: -5_000n, balanceAfterCents: 0n, referenceType: 'payment', referenceId: payment.id, dedupeKey: expect.stringMatching(/^refund:re_/) })]);
      expect(await verifyLedger(gw.prisma)).toEqual([]);
      const audit = await gw.prisma.auditEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, action: 'payment.refunded' } });
      expect(audit).toMatchObject({ resourceId: payment.id, actorKeyId: t.keyId, before: { amount_refunded_cents: 0 }, after: { amount_refunded_cents: 5_000, refunded_cents: 5_000 } });
    });

    it('refunds part, then the rest; then nothing is left to refund', async () => {
      expect((await refund(payment.id, { amount_cents: 1_500 })).body).toMatchObject({ amount_refunded_cents: 1_500 });
      expect(await chargeRefunded(payment.intent)).toBe(1_500);
      expect(await balance(t)).toBe(3_500);
      expect((await refund(payment.id, {})).body).toMatchObject({ amount_refunded_cents: 5_000 });
      expect(await chargeRefunded(payment.intent)).toBe(5_000);
      expect((await refundEntries(t)).map((e) => e.amountCents)).toEqual([-1_500n, -3_500n]);
      const again = await refund(payment.id);
      expect(again.status).toBe(422);
      expect(again.body.error).toEqual({ code: 'unprocessable', message: expect.stringContaining('already fully refunded') });
      expect(await balance(t)).toBe(0);
      expect(await verifyLedger(gw.prisma)).toEqual([]);
    });

    it('refuses more than is left with 422, changing nothing here or in Stripe', async () => {
      const over = await refund(payment.id, { amount_cents: 5_001 });
      expect(over.status).toBe(422);
      expect(over.body.error).toEqual({ code: 'unprocessable', message: expect.stringContaining('5000 left to refund') });
      await refund(payment.id, { amount_cents: 4_000 });
      const stillOver = await refund(payment.id, { amount_cents: 1_001 });
      expect(stillOver.status).toBe(422);
      expect(stillOver.body.error.message).toContain('1000 left to refund');
      expect((await gw.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).amountRefundedCents).toBe(4_000n);
      expect(await chargeRefunded(payment.intent)).toBe(4_000);
      expect((await stripe.refunds.list({ payment_intent: payment.intent })).data).toHaveLength(1);
      expect(await balance(t)).toBe(1_000);
      for (const body of [{ amount_cents: 0 }, { amount_cents: -5 }, { amount_cents: 10.5 }, { amount: 100 }]) {
        const r = await refund(payment.id, body);
        expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
      }
    });

    it('two concurrent refunds of the whole remainder: exactly one happens', async () => {
      const results = await Promise.all([refund(payment.id), refund(payment.id), refund(payment.id, { amount_cents: 5_000 })]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422]);
      expect(results.filter((r) => r.status === 422).every((r) => r.body.error.code === 'unprocessable')).toBe(true);
      expect((await stripe.refunds.list({ payment_intent: payment.intent })).data).toHaveLength(1);
      expect(await chargeRefunded(payment.intent)).toBe(5_000);
      expect(await refundEntries(t)).toHaveLength(1);
      expect((await gw.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).amountRefundedCents).toBe(5_000n);
      expect(await balance(t)).toBe(0);
      expect(await verifyLedger(gw.prisma)).toEqual([]);
    });

    it('needs the admin scope: a billing key is refused with 403 and nothing changes', async () => {
      const billing = await addKey(gw.prisma, t.tenantId, ['billing:read', 'billing:write']);
      const r = await refund(payment.id, {}, billing);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      const g = await gql(gw.url, `mutation { refundPayment(paymentId: "${payment.id}") { id } }`, { key: billing });
      expect(g.body.errors[0].extensions).toMatchObject({ code: 'forbidden', status: 403 });
      expect(await chargeRefunded(payment.intent)).toBe(0);
      expect(await balance(t)).toBe(5_000);
    });

    it('another tenant’s payment, or no payment at all, is 404 not_found', async () => {
      const stranger = await createTestTenant(gw.prisma);
      for (const id of [payment.id, '00000000-0000-4000-8000-000000000000', 'pay_nonsense']) {
        const r = await refund(id, {}, stranger.key);
        expect(r.status).toBe(404);
        expect(r.body.error.code).toBe('not_found');
      }
      expect(await chargeRefunded(payment.intent)).toBe(0);
    });

    it('a payment that has not succeeded cannot be refunded (409 conflict)', async () => {
      const pm = await saveCard(t, 'pm_card_threeDSecureRequired');
      const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 2_500, payment_method_id: pm } });
      expect(top.body.status).toBe('requires_action');
      const r = await refund(top.body.payment_id);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('conflict');
    });

    it('GraphQL refundPayment with an idempotency key refunds once, however often it is sent', async () => {
      const mutation = `mutation($id: ID!) { refundPayment(paymentId: $id, amountCents: 1000, idempotencyKey: "refund-1") { id amountRefundedCents status } }`;
      const first = await gql(gw.url, mutation, { key: t.key, variables: { id: payment.id } });
      expect(first.body).toEqual({ data: { refundPayment: { id: payment.id, amountRefundedCents: 1_000, status: 'succeeded' } } });
      const replay = await gql(gw.url, mutation, { key: t.key, variables: { id: payment.id } });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      expect((await stripe.refunds.list({ payment_intent: payment.intent })).data).toHaveLength(1);
      expect(await balance(t)).toBe(4_000);
      // The same over REST with its own Idempotency-Key header.
      const viaRest = await refund(payment.id, { amount_cents: 500 }, t.key, { 'Idempotency-Key': 'refund-2' });
      const viaRestAgain = await refund(payment.id, { amount_cents: 500 }, t.key, { 'Idempotency-Key': 'refund-2' });
      expect(viaRestAgain.body).toEqual(viaRest.body);
      expect(viaRest.body.amount_refunded_cents).toBe(1_500);
      expect(await chargeRefunded(payment.intent)).toBe(1_500);
    });
  });

  describe('admin CLI', () => {
    const CLI = join(__dirname, '../../dist/src/admin/cli.js');
    // Each CLI run loads the app from cold: on a loaded 2-core machine two of them can pass jest's default 30 s.
    const CLI_RUNS_TIMEOUT_MS = 120_000;
    let dataDir: string;
    let unpublish: () => Promise<void>;
    const admin = async (...args: string[]) => {
      const env = { PATH: process.env.PATH, DATABASE_URL: gw.databaseUrl, DATA_DIR: dataDir };
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
      return JSON.parse(stdout);
    };

    beforeAll(() => {
      // Where a running gateway tells the CLI about its local Stripe server.
      dataDir = mkdtempSync(join(tmpdir(), 'voepy-cli-'));
      unpublish = publishLocalStripe(dataDir, gw.stripe.local!);
    });
    afterAll(async () => {
      await unpublish();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('billing:run-monthly invoices a month; payment:refund refunds through the gateway’s Stripe', async () => {
      const t = await createTestTenant(gw.prisma);
      await octoberActivity(gw.prisma, t.tenantId, '2026-06');
      const run = await admin('billing:run-monthly', '--period', '2026-06');
      expect(run).toMatchObject({ period: '2026-06', completed: true, failures: [] });
      expect(run.invoices).toContainEqual({ tenant_id: t.tenantId, invoice_id: expect.any(String), created: true, settlement: 'settled' });
      expect((await rest(gw.url, 'GET', '/v1/billing/invoices', { key: t.key })).body.data).toEqual([expect.objectContaining({ status: 'paid', total_cents: 10_650 })]);
      await expect(admin('billing:run-monthly', '--period', '2026-6')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('YYYY-MM') });

      const pm = await (async () => {
        const r = await rest(gw.url, 'POST', '/v1/billing/setup-intent', { key: t.key });
        const confirmed = await stripe.setupIntents.confirm(r.body.setup_intent_id, { payment_method: 'pm_card_visa' });
        return confirmed.payment_method as string;
      })();
      const top = await rest(gw.url, 'POST', '/v1/billing/topup', { key: t.key, body: { amount_cents: 2_000, payment_method_id: pm } });
      await until(async () => (await gw.prisma.payment.findUniqueOrThrow({ where: { id: top.body.payment_id } })).status === 'succeeded', 'the top-up');
      const refunded = await admin('payment:refund', t.tenantId, top.body.payment_id, '--amount-cents', '700');
      expect(refunded).toMatchObject({ id: top.body.payment_id, amount_cents: 2_000, amount_refunded_cents: 700, status: 'succeeded' });
      const audit = await gw.prisma.auditEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, action: 'payment.refunded' } });
      expect(audit.actor).toBe('admin_cli');
      expect(await verifyLedger(gw.prisma)).toEqual([]);
    }, CLI_RUNS_TIMEOUT_MS);
  });
});
