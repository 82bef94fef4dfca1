import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credit, debit } from '../../src/billing/ledger.service';
import { spentToday } from '../../src/billing/usage.service';
import { startOfUtcDay } from '../../src/platform/clock';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/platform/db/migrator';
import { createEmptyDatabase, withClient } from '../helpers/database';
import { fundedTenant, serviceDeps } from '../helpers/services';

// The daily spend cap reads per-tenant, per-UTC-day running totals (tenant_daily_spend) that a trigger on
// ledger_entries keeps. The totals must always equal the day's debits summed from the ledger itself, however the
// entries were written, under concurrent debits, and for the entries a database held before the totals existed.

const TOTALS_VS_LEDGER = `
  SELECT coalesce(d.tenant_id, l.tenant_id)::text AS tenant, coalesce(d.day, l.day)::text AS day, d.spent_cents::text AS total, l.spent::text AS ledger
    FROM tenant_daily_spend d
    FULL JOIN (SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date AS day, -sum(amount_cents) AS spent
                 FROM ledger_entries WHERE amount_cents < 0 GROUP BY 1, 2) l ON l.tenant_id = d.tenant_id AND l.day = d.day
   WHERE d.spent_cents IS DISTINCT FROM l.spent`;

describe('daily spend totals', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    base = await serviceDeps({ poolSize: 40 });
  });
  afterAll(() => base.close());

  const mismatches = () => base.prisma.$queryRawUnsafe<unknown[]>(TOTALS_VS_LEDGER);

  it('count every debit, on the UTC day it was written, whatever wrote it; credits count nothing', async () => {
    const tenantId = await fundedTenant(base, 100_000n);
    const today = startOfUtcDay(new Date());
    expect(await spentToday(base, tenantId, today)).toBe(0n);
    await debit(base, { tenantId, kind: 'call_charge', amountCents: 125n, description: 'a call' });
    await debit(base, { tenantId, kind: 'number_monthly', amountCents: 1_000n, description: 'a number' });
    await credit(base, { tenantId, kind: 'refund', amountCents: 500n, description: 'given back' });
    // Written by hand, as an operator's correction would be: yesterday's entry counts for yesterday only.
    await base.prisma.$executeRawUnsafe(
      `INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description, created_at)
       VALUES ($1::uuid, 'adjustment', -40, 0, 'yesterday', $2::timestamptz - interval '1 second')`,
      tenantId, today,
    );
    expect(await spentToday(base, tenantId, today)).toBe(1_125n);
    expect(await spentToday(base, tenantId, new Date(today.getTime() - 86_400_000))).toBe(1_165n);
    expect(await mismatches()).toEqual([]);
  });

  it('stay equal to the ledger under 64 concurrent debits of one tenant and of many', async () => {
    const one = await fundedTenant(base, 1_000_000n);
    const many = await Promise.all(Array.from({ length: 8 }, () => fundedTenant(base, 1_000_000n)));
    await Promise.all(Array.from({ length: 64 }, (_, i) => [
      debit(base, { tenantId: one, kind: 'action_fee', amountCents: BigInt(1 + (i % 7)), description: `race ${i}` }),
      debit(base, { tenantId: many[i % many.length], kind: 'action_fee', amountCents: 3n, description: `spread ${i}` }),
    ]).flat());
    const expected = Array.from({ length: 64 }, (_, i) => BigInt(1 + (i % 7))).reduce((a, b) => a + b, 0n);
    expect(await spentToday(base, one, startOfUtcDay(new Date()))).toBe(expected);
    expect(await mismatches()).toEqual([]);
  });

  it('are filled, by the migration that adds them, from the entries already in the ledger', async () => {
    const url = await createEmptyDatabase('daily_spend');
    const all = await readMigrations();
    const adding = all.findIndex((m) => m.name.endsWith('_daily_spend'));
    expect(adding).toBeGreaterThan(0);
    const before = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      for (const m of all.slice(0, adding)) await cp(join(defaultMigrationsDir(), m.name), join(before, m.name), { recursive: true });
      await migrate(url, { migrationsDir: before });
      await withClient(url, async (client) => {
        const { rows: [tenant] } = await client.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ('before') RETURNING id`);
        for (const [amount, at] of [[-100, '2026-11-30T23:59:59Z'], [-20, '2026-12-01T00:00:00Z'], [-3, '2026-12-01T12:00:00Z'], [700, '2026-12-01T13:00:00Z']] as const) {
          await client.query(
            `INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description, created_at) VALUES ($1, 'adjustment', $2, 0, 'old', $3)`,
            [tenant.id, amount, at],
          );
        }
        await migrate(url);
        const { rows } = await client.query<{ day: string; spent: string }>(`SELECT day::text, spent_cents::text AS spent FROM tenant_daily_spend ORDER BY day`);
        expect(rows).toEqual([{ day: '2026-11-30', spent: '100' }, { day: '2026-12-01', spent: '23' }]);
        expect((await client.query(TOTALS_VS_LEDGER)).rows).toEqual([]);
      });
    } finally {
      await rm(before, { recursive: true, force: true });
    }
  });
});
