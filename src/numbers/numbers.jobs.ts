import { debit } from '../billing/ledger.service';
import { startOfUtcMonth } from '../platform/clock';
import { inTransaction } from '../platform/db/transaction';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { utcMonthKey } from './pricing.service';

// The monthly fee (MRC): once per UTC month, every number active when the month is billed is charged its full
// monthly price (owed, so past the credit limit too). A number activated during the month already paid its pro-rata
// share under the same dedupe key; a number released during the month was charged at its start and is not again.
// Safe to run any number of times and concurrently: the key `number_monthly:<id>:<YYYY-MM>` is unique in the ledger.

export async function chargeMonthlyNumberFees(deps: ServiceDeps): Promise<{ month: string; charged: number }> {
  const now = deps.clock.now();
  const month = utcMonthKey(now);
  const due = await deps.db.$queryRaw<{ id: string; tenant_id: string; e164: string; monthly_price_cents_customer: bigint }[]>`
    SELECT p.id, p.tenant_id, p.e164, p.monthly_price_cents_customer FROM phone_numbers p
    WHERE p.status = 'active' AND p.activated_at < ${startOfUtcMonth(now)} AND p.monthly_price_cents_customer > 0
      AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.dedupe_key = 'number_monthly:' || p.id::text || ':' || ${month})
    ORDER BY p.id`;
  let charged = 0;
  for (const n of due) {
    try {
      const done = await inTransaction(deps.db, async (tx) => {
        // Lock and re-check: released since it was listed, or charged by a concurrent run.
        const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM phone_numbers WHERE id = ${n.id}::uuid FOR UPDATE`;
        const dedupeKey = `number_monthly:${n.id}:${month}`;
        if (row?.status !== 'active' || (await tx.ledgerEntry.count({ where: { dedupeKey } })) > 0) return false;
        await debit(
          withDb(deps, tx),
          {
            tenantId: n.tenant_id,
            kind: 'number_monthly',
            amountCents: n.monthly_price_cents_customer,
            description: `Monthly fee of ${n.e164}, ${month}`,
            reference: { type: 'phone_number', id: n.id },
            dedupeKey,
          },
          { force: true },
        );
        return true;
      });
      if (done) charged++;
    } catch (err) {
      // A concurrent run of another instance won the dedupe key: charged once, which is the point.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return { month, charged };
}

function isUniqueViolation(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e.code === 'P2002' || e.code === '23505') return true;
    e = e.cause as typeof e;
  }
  return /unique constraint|duplicate key/i.test(String((err as Error)?.message));
}
