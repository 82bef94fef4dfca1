import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import {
  MIGRATION_LOCK_KEY,
  MIGRATIONS_TABLE,
  migrate,
  migrationStatus,
  readMigrations,
} from '../../src/platform/db/migrator';
import { createEmptyDatabase, testDatabaseUrl, truncateAll, withClient } from '../helpers/database';

let allMigrations: string[];
beforeAll(async () => {
  allMigrations = (await readMigrations()).map((m) => m.name);
});

test('a database migrated once has nothing left to apply the second time', async () => {
  const url = await createEmptyDatabase('twice');
  expect(await migrationStatus(url)).toEqual({ applied: [], pending: allMigrations });

  expect((await migrate(url)).applied).toEqual(allMigrations);
  expect((await migrate(url)).applied).toEqual([]);
  expect(await migrationStatus(url)).toEqual({ applied: allMigrations, pending: [] });
});

test('two concurrent migrations serialise on the lock and apply each migration exactly once', async () => {
  const url = await createEmptyDatabase('concurrent');
  await withClient(url, async (holder) => {
    // Hold the lock first, so both runs are provably waiting on it at the same time, not merely started close together.
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const waits: string[] = [];
    const runs = [migrate(url, { log: (l) => waits.push(l) }), migrate(url, { log: (l) => waits.push(l) })];
    await waitFor(async () => (await waitingOnAdvisoryLock(holder)) === 2);
    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);

    const results = await Promise.all(runs);
    expect(waits.filter((l) => l.includes('waiting'))).toHaveLength(2);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(allMigrations);
    const { rows } = await holder.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(allMigrations);
  });
});

test('a migration edited after it was applied is refused, naming it', async () => {
  const url = await createEmptyDatabase('edited');
  await migrate(url);
  const [first] = allMigrations;
  await withClient(url, (c) =>
    c.query(`UPDATE ${MIGRATIONS_TABLE} SET checksum = 'before-the-edit' WHERE name = $1`, [first]),
  );

  await expect(migrate(url)).rejects.toThrow(new RegExp(`migration ${first} was edited after it was applied`));
});

test('a failing migration leaves nothing behind: neither its changes nor its record', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voepy-migrations-'));
  try {
    await writeMigration(dir, '20990101000000_good', 'CREATE TABLE good (id int);');
    await writeMigration(
      dir,
      '20990102000000_bad',
      'CREATE TABLE half_done (id int);\nSELECT no_such_column FROM good;',
    );
    const url = await createEmptyDatabase('failing');

    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20990102000000_bad failed at line 2: .*no_such_column/,
    );
    expect(await migrationStatus(url, { migrationsDir: dir })).toEqual({
      applied: ['20990101000000_good'],
      pending: ['20990102000000_bad'],
    });
    const { rows } = await withClient(url, (c) => c.query(`SELECT to_regclass('half_done') AS t`));
    expect(rows[0].t).toBeNull();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('audit_log', () => {
  let url: string;
  beforeAll(async () => {
    url = await testDatabaseUrl();
  });
  beforeEach(async () => truncateAll(url));

  async function insertAuditEntry(): Promise<void> {
    await withClient(url, async (c) => {
      const { rows } = await c.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ('Acme') RETURNING id`);
      await c.query(
        `INSERT INTO audit_log (tenant_id, actor, action, resource_type, resource_id) VALUES ($1, 'system', 'tenant.create', 'tenant', $2)`,
        [rows[0]!.id, rows[0]!.id],
      );
    });
  }

  test('refuses UPDATE and DELETE: it is append-only', async () => {
    await insertAuditEntry();
    await withClient(url, async (c) => {
      await expect(c.query(`UPDATE audit_log SET action = 'rewritten'`)).rejects.toThrow(
        /audit_log is append-only: UPDATE refused/,
      );
      await expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/audit_log is append-only: DELETE refused/);
      await expect(c.query('TRUNCATE audit_log')).rejects.toThrow(
        /audit_log is append-only: TRUNCATE refused/,
      );
      const { rows } = await c.query(`SELECT action FROM audit_log`);
      expect(rows).toEqual([{ action: 'tenant.create' }]);
    });
  });

  test('truncateAll still empties it between tests, and leaves the guard on afterwards', async () => {
    await insertAuditEntry();
    await truncateAll(url);
    await withClient(url, async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(0);
      expect((await c.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBe(0);
      expect((await c.query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`)).rows[0].n).toBe(
        allMigrations.length,
      );
    });
    await insertAuditEntry();
    await withClient(url, (c) => expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/));
  });
});

async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, 'migration.sql'), sql);
}

async function waitingOnAdvisoryLock(client: Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0]!.n;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}
