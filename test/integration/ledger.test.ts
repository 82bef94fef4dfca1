import { credit, debit, onDebit, PostedEntry, verifyLedger } from '../../src/billing/ledger.service';
import { inTransaction } from '../../src/platform/db/transaction';
import { ApiError } from '../../src/platform/errors';
import { withDb } from '../../src/platform/service-deps';
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

  it('racing debits and credits on one tenant: consecutive sequence numbers, each entry the balance before it plus its amount', async () => {
    const tenantId = await fundedTenant(deps, 10_000n);
    const { balanceSequence: start } = await deps.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const moves = Array.from({ length: 80 }, (_, i) => (i % 4 === 3 ? 5n : -(1n + BigInt(i % 7))));
    const posted = await Promise.all(
      moves.map(async (amount, i): Promise<[bigint, PostedEntry]> => {
        const m = { tenantId, kind: amount < 0n ? ('action_fee' as const) : ('refund' as const), amountCents: amount < 0n ? -amount : amount, description: `move ${i}` };
        return [amount, amount < 0n ? await debit(deps, m) : await credit(deps, m)];
      }),
    );
    const bySequence = [...posted].sort(([, a], [, b]) => Number(a.balanceSequence - b.balanceSequence));
    expect(bySequence.map(([, e]) => e.balanceSequence)).toEqual(moves.map((_, i) => start + 1n + BigInt(i)));
    let balance = 10_000n;
    for (const [amount, entry] of bySequence) {
      balance += amount;
      expect(entry.balanceAfterCents).toBe(balance);
    }
    const stored = await deps.prisma.ledgerEntry.findMany({ where: { id: { in: posted.map(([, e]) => e.id) } } });
    expect(new Map(stored.map((e) => [e.id, e.balanceAfterCents]))).toEqual(new Map(posted.map(([, e]) => [e.id, e.balanceAfterCents])));
    expect(await balanceOf(tenantId)).toBe(balance);
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });

  it('inside a transaction, a debit holds the row until commit: a racing debit of the last cent waits, then is refused; after a rollback it passes', async () => {
    const tenantId = await fundedTenant(deps, 100n);
    const heard: bigint[] = [];
    const stop = onDebit((id, balanceAfter) => id === tenantId && heard.push(balanceAfter));
    try {
      for (const outcome of ['commit', 'rollback'] as const) {
        let debited!: () => void;
        let finish!: () => void;
        const inside = new Promise<void>((r) => (debited = r));
        const held = new Promise<void>((r) => (finish = r));
        const first = inTransaction(deps.db, async (tx) => {
          await debit(withDb(deps, tx), { tenantId, kind: 'action_fee', amountCents: 100n, description: `all of it (${outcome})` });
          debited();
          await held;
          if (outcome === 'rollback') throw new Error('rolled back on purpose');
        });
        await inside;
        let secondSettled = false;
        const second = debit(deps, { tenantId, kind: 'action_fee', amountCents: 1n, description: `the last cent (${outcome})` }).finally(() => (secondSettled = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(secondSettled).toBe(false); // waiting on the row the open transaction holds
        finish();
        if (outcome === 'commit') {
          await first;
          await expect(second).rejects.toMatchObject({ code: 'balance_insufficient' });
          expect(await balanceOf(tenantId)).toBe(0n);
          await credit(deps, { tenantId, kind: 'adjustment', amountCents: 100n, description: 'refill' });
        } else {
          await expect(first).rejects.toThrow('rolled back on purpose');
          await second;
          expect(await balanceOf(tenantId)).toBe(99n);
        }
      }
      // Announced: the committed debit and the one that passed after the rollback, not the rolled-back one.
      await new Promise((r) => setImmediate(r));
      expect(heard).toEqual([0n, 99n]);
      expect(await deps.prisma.ledgerEntry.count({ where: { tenantId, description: { contains: 'rollback' } } })).toBe(1);
      expect(await verifyLedger(deps.prisma)).toEqual([]);
    } finally {
      stop();
    }
  });

  it('debits and credits are planned once per connection, inside transactions too; other statements stay unnamed', async () => {
    const one = await serviceDeps({ poolSize: 1 }); // one connection: every statement below runs on it
    try {
      const tenantId = await fundedTenant(one, 1_000n);
      for (let i = 0; i < 3; i++) await debit(one, { tenantId, kind: 'action_fee', amountCents: 1n, description: `fee ${i}` });
      await inTransaction(one.db, (tx) => debit(withDb(one, tx), { tenantId, kind: 'action_fee', amountCents: 1n, description: 'fee in a transaction' }));
      await expect(debit(one, { tenantId, kind: 'action_fee', amountCents: 10_000n, description: 'too much' })).rejects.toMatchObject({ code: 'balance_insufficient' });
      const prepared = await one.prisma.$queryRaw<{ name: string; statement: string; executions: bigint }[]>`
        SELECT name, statement, generic_plans + custom_plans AS executions FROM pg_prepared_statements ORDER BY executions`;
      // The credit that funded the tenant, and the debit (the one that checks availability): five executions of
      // one prepared statement.
      expect(prepared.map((p) => [p.name.startsWith('prepared_'), p.statement.includes('credit_limit_cents - held_cents'), p.executions])).toEqual([
        [true, false, 1n],
        [true, true, 5n],
      ]);
      expect(await balanceOf(tenantId)).toBe(996n);
    } finally {
      await one.close();
    }
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
