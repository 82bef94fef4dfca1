import { credit, debit, verifyLedger } from '../../src/billing/ledger.service';
import { ApiError } from '../../src/platform/errors';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('the ledger', () => {
  let deps: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    deps = await serviceDeps({ poolSize: 40 });
  });
  afterAll(() => deps.close());

  const balanceOf = async (id: string) => (await deps.prisma.tenant.findUniqueOrThrow({ where: { id } })).balanceCents;

  it('100 concurrent debits never take the balance past the credit limit, and the ledger sums to the balance', async () => {
    const tenantId = await fundedTenant(deps, 1_000n, 500n); // can spend 1,500 cents
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => debit(deps, { tenantId, kind: 'action_fee', amountCents: 70n, description: `fee ${i}` })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toBe(Math.floor(1_500 / 70)); // 21 debits fit, not one more
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof ApiError && (r as PromiseRejectedResult).reason.code === 'balance_insufficient')).toBe(true);
    expect(await balanceOf(tenantId)).toBe(1_000n - 21n * 70n);
    expect(await balanceOf(tenantId)).toBeGreaterThanOrEqual(-500n);
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });

  it('records each entry with the balance after it, in order', async () => {
    const tenantId = await fundedTenant(deps, 300n);
    await debit(deps, { tenantId, kind: 'lookup', amountCents: 5n, description: 'lookup', reference: { type: 'lookup', id: 'x' } });
    await credit(deps, { tenantId, kind: 'refund', amountCents: 5n, description: 'refund' });
    const entries = await deps.prisma.ledgerEntry.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(entries.map((e) => [e.kind, e.amountCents, e.balanceAfterCents])).toEqual([
      ['adjustment', 300n, 300n],
      ['lookup', -5n, 295n],
      ['refund', 5n, 300n],
    ]);
    expect(entries[1]).toMatchObject({ referenceType: 'lookup', referenceId: 'x' });
  });

  it('refuses a debit it cannot cover and changes nothing', async () => {
    const tenantId = await fundedTenant(deps, 100n);
    await expect(debit(deps, { tenantId, kind: 'action_fee', amountCents: 101n, description: 'too much' })).rejects.toMatchObject({ code: 'balance_insufficient' });
    expect(await balanceOf(tenantId)).toBe(100n);
    expect(await deps.prisma.ledgerEntry.count({ where: { tenantId } })).toBe(1);
  });

  it('answers with the domain’s own code when it asks for one, and forces a fee already owed', async () => {
    const tenantId = await fundedTenant(deps, 10n);
    await expect(debit(deps, { tenantId, kind: 'number_activation', amountCents: 50n, description: 'nrc' }, { insufficientCode: 'insufficient_balance' })).rejects.toMatchObject({
      code: 'insufficient_balance',
      status: 402,
    });
    await debit(deps, { tenantId, kind: 'number_monthly', amountCents: 50n, description: 'mrc' }, { force: true });
    expect(await balanceOf(tenantId)).toBe(-40n);
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });

  it('applies a dedupe key at most once', async () => {
    const tenantId = await fundedTenant(deps, 0n);
    const once = { tenantId, kind: 'top_up' as const, amountCents: 500n, description: 'top-up', dedupeKey: `top_up:payment:${tenantId}` };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => credit(deps, once)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await balanceOf(tenantId)).toBe(500n);
  });

  it('is append-only in the database itself', async () => {
    const tenantId = await fundedTenant(deps, 10n);
    await expect(deps.prisma.$executeRaw`UPDATE ledger_entries SET amount_cents = 999 WHERE tenant_id = ${tenantId}::uuid`).rejects.toThrow(/append-only/);
    await expect(deps.prisma.$executeRaw`DELETE FROM ledger_entries WHERE tenant_id = ${tenantId}::uuid`).rejects.toThrow(/append-only/);
  });

  it('verifyLedger reports a tenant whose cached balance drifted from its ledger', async () => {
    const tenantId = await fundedTenant(deps, 10n);
    await deps.prisma.$executeRaw`UPDATE tenants SET balance_cents = balance_cents + 1 WHERE id = ${tenantId}::uuid`;
    expect(await verifyLedger(deps.prisma)).toEqual([expect.objectContaining({ tenantId, balanceCents: 11n, ledgerSumCents: 10n })]);
  });
});
