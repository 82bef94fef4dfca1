import { Prisma } from '../platform/db/client';
import { PREPARED } from '../platform/db/prepared';
import { rowsOf } from '../platform/db/sql';
import { ServiceDeps } from '../platform/service-deps';

// The daily spend cap needs what a tenant was debited since UTC midnight on every placement. Summing the day's
// ledger entries grew with every call of the day, so the tenant's row carries a running total: every debit
// already updates that row (its balance) in the statement that writes its entry, and adds itself here too.
// A debit on a new UTC day starts the total again. In SQL, `now()` is the transaction's start, as the entry's
// created_at is: an entry and the total it was counted in always agree on the day.

/** SET clause of a debit's `UPDATE tenants`: adds `amountCents` to today's total (see the migration 20261206110000). */
export function countSpendToday(amountCents: bigint): Prisma.Sql {
  return Prisma.sql`spend_day_cents = CASE WHEN spend_day = (now() AT TIME ZONE 'UTC')::date THEN spend_day_cents ELSE 0 END + ${amountCents},
                    spend_day = (now() AT TIME ZONE 'UTC')::date`;
}

/** What the tenant spent since UTC midnight (`dayStart`): the daily spend cap counts every debit of the day. */
export async function spentToday(deps: ServiceDeps, tenantId: string, dayStart: Date): Promise<bigint> {
  const [row] = await rowsOf<{ spent: string }>(
    deps.db,
    `${PREPARED} SELECT CASE WHEN spend_day >= ($2::timestamptz AT TIME ZONE 'UTC')::date THEN spend_day_cents ELSE 0 END::text AS spent FROM tenants WHERE id = $1::uuid`,
    [tenantId, dayStart],
  );
  return BigInt(row?.spent ?? '0');
}
