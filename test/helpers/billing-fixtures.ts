import { LedgerKind } from '../../src/generated/prisma/client';
import { Db } from '../../src/platform/db/client';

/**
 * A debit as the ledger would have posted it at `at` (an MRC on the 1st of a past month, a call rated in it).
 * ledger.service stamps entries with the database's now(), so a past month is written here with the same
 * one-statement shape (cached balance and ledger row together), keeping balance == sum(ledger).
 */
export async function chargedAt(db: Db, tenantId: string, kind: LedgerKind, cents: bigint, description: string, at: Date): Promise<void> {
  await db.$executeRaw`
    WITH t AS (
      UPDATE tenants SET balance_cents = balance_cents - ${cents} WHERE id = ${tenantId}::uuid RETURNING id, balance_cents)
    INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description, created_at)
    SELECT t.id, ${kind}::ledger_kind, ${-cents}, t.balance_cents, ${description}, ${at} FROM t`;
}

/** A month's worth of billable activity: a plan fee, four MRCs at two prices, five rated calls; total 10,650 cents. */
export async function octoberActivity(db: Db, tenantId: string, month = '2026-10'): Promise<void> {
  const day = (d: number) => new Date(`${month}-${String(d).padStart(2, '0')}T12:00:00Z`);
  await chargedAt(db, tenantId, 'plan_fee', 9_900n, `Growth plan, period from ${month}-01`, new Date(`${month}-01T00:00:00Z`));
  for (let i = 0; i < 3; i++) await chargedAt(db, tenantId, 'number_monthly', 150n, `MRC +1555000000${i}`, new Date(`${month}-01T00:00:01Z`));
  await chargedAt(db, tenantId, 'number_monthly', 100n, 'MRC +15550009999 (prorated)', day(17));
  for (const [d, cents] of [[2, 12n], [3, 30n], [9, 7n], [20, 51n], [28, 100n]] as const) await chargedAt(db, tenantId, 'call_charge', cents, 'call', day(d));
}
