import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consume, freeze } from '../../src/billing/holds.service';
import { credit, debit } from '../../src/billing/ledger.service';
import { spentToday } from '../../src/billing/daily-spend';
import { startOfUtcDay } from '../../src/platform/clock';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/platform/db/migrator';
import { createEmptyDatabase, withClient } from '../helpers/database';
import { fundedTenant, serviceDeps } from '../helpers/services';

// The daily spend cap reads a running total on the tenant's row (spend_day, spend_day_cents) that every debit's
// own statement keeps (src/billing/daily-spend.ts). It must always equal the day's debits summed from the ledger,
// whichever way they were charged, under concurrent debits, and for the entries a database held before.

/** Tenants whose total for today differs from their debits of today in the ledger. */
const TOTALS_VS_LEDGER = `
  SELECT t.id::text, t.spend_day::text, t.spend_day_cents::text AS total, coalesce(l.spent, 0)::text AS ledger
    FROM tenants t
    LEFT JOIN (SELECT tenant_id, -sum(amount_cents) AS spent FROM ledger_entries
                WHERE amount_cents < 0 AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                GROUP BY 1) l ON l.tenant_id = t.id
   WHERE t.id = ANY($1::uuid[]) AND (CASE WHEN t.spend_day = (now() AT TIME ZONE 'UTC')::date THEN t.spend_day_cents ELSE 0 END) <> coalesce(l.spent, 0)`;

describe('the day’s spend on the tenant’s row', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    base = await serviceDeps({ poolSize: 40 });
  });
  afterAll(() => base.close());

  const today = () => startOfUtcDay(new Date());
  const mismatches = (tenantIds: string[]) => base.prisma.$queryRawUnsafe<unknown[]>(TOTALS_VS_LEDGER, tenantIds);

  it('counts every debit and every call charge; credits count nothing; a new day starts again', async () => {
    const tenantId = await fundedTenant(base, 100_000n);
    expect(await spentToday(base, tenantId, today())).toBe(0n);
    await debit(base, { tenantId, kind: 'number_monthly', amountCents: 1_000n, description: 'a number' });
    await credit(base, { tenantId, kind: 'refund', amountCents: 500n, description: 'given back' });
    await freeze(base, { tenantId, transactionId: `call:${tenantId}`, amountCents: 300n, description: 'a call' });
    await consume(base, { tenantId, transactionId: `call:${tenantId}`, actualCents: 125n, kind: 'call_charge', description: 'a call' });
    expect(await spentToday(base, tenantId, today())).toBe(1_125n);
    // Asked from tomorrow, nothing is spent yet.
    expect(await spentToday(base, tenantId, new Date(today().getTime() + 86_400_000))).toBe(0n);
    expect(await mismatches([tenantId])).toEqual([]);

    // The total was yesterday's: today's first debit starts from zero.
    await base.prisma.$executeRawUnsafe(`UPDATE tenants SET spend_day = spend_day - 1 WHERE id = $1::uuid`, tenantId);
    expect(await spentToday(base, tenantId, today())).toBe(0n);
    await debit(base, { tenantId, kind: 'action_fee', amountCents: 7n, description: 'a fee' });
    expect(await spentToday(base, tenantId, today())).toBe(7n);
  });

  it('stays equal to the ledger under 128 concurrent debits on one tenant and on many', async () => {
    const one = await fundedTenant(base, 1_000_000n);
    const many = await Promise.all(Array.from({ length: 8 }, () => fundedTenant(base, 1_000_000n)));
    await Promise.all(Array.from({ length: 64 }, (_, i) => [
      debit(base, { tenantId: one, kind: 'action_fee', amountCents: BigInt(1 + (i % 7)), description: `race ${i}` }),
      debit(base, { tenantId: many[i % many.length], kind: 'action_fee', amountCents: 3n, description: `spread ${i}` }),
    ]).flat());
    const expected = Array.from({ length: 64 }, (_, i) => BigInt(1 + (i % 7))).reduce((a, b) => a + b, 0n);
    expect(await spentToday(base, one, today())).toBe(expected);
    expect(await mismatches([one, ...many])).toEqual([]);
  });

  it('is filled, by the migration that adds it, from today’s debits already in the ledger', async () => {
    const url = await createEmptyDatabase('daily_spend');
    const all = await readMigrations();
    const adding = all.findIndex((m) => m.name.endsWith('_daily_spend'));
    expect(adding).toBeGreaterThan(0);
    const before = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      for (const m of all.slice(0, adding)) await cp(join(defaultMigrationsDir(), m.name), join(before, m.name), { recursive: true });
      await migrate(url, { migrationsDir: before });
      await withClient(url, async (client) => {
        const { rows: [spender] } = await client.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ('spender') RETURNING id`);
        await client.query(`INSERT INTO tenants (name) VALUES ('idle')`);
        const midnight = `date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
        for (const [amount, at] of [[-100, `${midnight} - interval '1 second'`], [-20, midnight], [-3, 'now()'], [700, 'now()']] as const) {
          await client.query(
            `INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description, created_at) VALUES ($1, 'adjustment', $2, 0, 'old', ${at})`,
            [spender.id, amount],
          );
        }
        await migrate(url);
        const { rows } = await client.query<{ name: string; today: boolean | null; spent: string }>(
          `SELECT name, spend_day = (now() AT TIME ZONE 'UTC')::date AS today, spend_day_cents::text AS spent FROM tenants ORDER BY name`,
        );
        expect(rows).toEqual([{ name: 'idle', today: null, spent: '0' }, { name: 'spender', today: true, spent: '23' }]);
        expect((await client.query(TOTALS_VS_LEDGER, [[spender.id]])).rows).toEqual([]);
      });
    } finally {
      await rm(before, { recursive: true, force: true });
    }
  });
});
