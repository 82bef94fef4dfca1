// Databases for tests. test/setup/global-setup.ts migrates one template database per jest run; each jest
// worker clones it into a database of its own, and tests empty the tables between them. Concurrency tests
// get real, separate connections to a real database, never one rolled-back transaction.
import { Client, escapeIdentifier } from 'pg';

/** Published by global-setup through the environment, which jest workers inherit. */
export interface TestRunEnv {
  /** A URL to the server's `postgres` database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** The migrated template every worker database is cloned from. */
  templateDb: string;
  /** Prefix of every database this run creates (`<runId>_…`), so teardown can find and drop them all. */
  runId: string;
}

export function testRunEnv(): TestRunEnv {
  const { VOEPY_TEST_ADMIN_URL, VOEPY_TEST_TEMPLATE_DB, VOEPY_TEST_RUN_ID } = process.env;
  if (!VOEPY_TEST_ADMIN_URL || !VOEPY_TEST_TEMPLATE_DB || !VOEPY_TEST_RUN_ID) {
    throw new Error(
      'VOEPY_TEST_* variables are missing: run tests through jest, whose globalSetup creates the databases',
    );
  }
  return { adminUrl: VOEPY_TEST_ADMIN_URL, templateDb: VOEPY_TEST_TEMPLATE_DB, runId: VOEPY_TEST_RUN_ID };
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** One connection for the length of `fn`, always closed. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  // Teardown terminates leftover sessions; that must not crash a process with an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let workerDatabase: Promise<string> | undefined;

/**
 * This worker's database, cloned from the migrated template. Jest gives every test file a fresh module
 * registry, so the memo below lasts one file; the database itself lasts the worker process (the next file
 * in this worker finds it and reuses it). Tests must not change its schema: use createEmptyDatabase() for that.
 */
export function testDatabaseUrl(): Promise<string> {
  workerDatabase ??= cloneTemplateForWorker().catch((err: unknown) => {
    workerDatabase = undefined; // let the next call retry instead of replaying the failure
    throw err;
  });
  return workerDatabase;
}

async function cloneTemplateForWorker(): Promise<string> {
  const { adminUrl, templateDb, runId } = testRunEnv();
  const name = `${runId}_w${process.env.JEST_WORKER_ID ?? '1'}`;
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE ${escapeIdentifier(templateDb)}`);
    }
  });
  return withDatabase(adminUrl, name);
}

let emptyDatabases = 0;

/**
 * A new, empty database (no migrations applied), for tests of migrating itself. Dropped at teardown with the
 * rest of the run's databases. `label` only makes the name readable in pg_stat_activity.
 */
export async function createEmptyDatabase(label: string): Promise<string> {
  const { adminUrl, runId } = testRunEnv();
  emptyDatabases += 1;
  // Unique within the run: the worker id, then a per-file counter and the time (files in one worker reuse ids).
  const tag = `${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 16)}_${Date.now().toString(36)}${emptyDatabases}`;
  const name = `${runId}_w${process.env.JEST_WORKER_ID ?? '1'}_${tag}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE template0`));
  return withDatabase(adminUrl, name);
}

/** Tables the migrations fill with reference data (the spec's plans): tests keep them. */
const KEPT_TABLES = ['_voepy_migrations', 'plans', 'pricing_tiers', 'destination_rates'];

/**
 * Empties every table of the public schema except the migration record and reference data, in one statement,
 * and restarts sequences, so each test starts from the same state.
 *
 * audit_log refuses TRUNCATE (and UPDATE/DELETE) with triggers: append-only is a fact of the database.
 * session_replication_role = replica makes Postgres skip ordinary triggers, which is what replication
 * apply workers use; SET LOCAL keeps that to this one transaction, so no test ever runs with the guard off.
 * It needs a superuser, which is what tests connect as.
 */
export async function truncateAll(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
        WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`,
      [KEPT_TABLES],
    );
    if (rows.length === 0) return;
    // A previous test's carrier events can still be applying (their transactions lock rows in another order than
    // TRUNCATE takes its tables): when Postgres picks the truncation as a deadlock's victim, it goes again.
    for (let attempt = 1; ; attempt++) {
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL session_replication_role = replica');
        await client.query(`TRUNCATE ${rows.map((r) => `public.${r.name}`).join(', ')} RESTART IDENTITY CASCADE`);
        // The job queue's jobs point at rows just emptied: a later test's workers must not find them.
        await client.query(`DO $$ BEGIN IF to_regclass('graphile_worker._private_jobs') IS NOT NULL THEN DELETE FROM graphile_worker._private_jobs; END IF; END $$`);
        await client.query('COMMIT');
        return;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((err as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
}

const DEADLOCK_DETECTED = '40P01';

const fingerprintSql = new Map<string, string>();
/** Written by a running gateway on its own clock (instance heartbeats), never by a request: never part of one. */
const PROCESS_TABLES = ['gateway_instances'];

/**
 * One value that changes when any row of any public table does: the bad-input tests compare it before and
 * after a refused request to prove the refusal changed nothing. One statement over every table.
 */
export async function databaseFingerprint(prisma: { $queryRawUnsafe<T>(sql: string): Promise<T> }, exclude: string[] = []): Promise<string> {
  const cacheKey = exclude.join(',');
  let sql = fingerprintSql.get(cacheKey);
  if (!sql) {
    const tables = await prisma.$queryRawUnsafe<{ tablename: string; name: string }[]>(`SELECT tablename, quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    const parts = tables
      .filter((t) => !exclude.includes(t.tablename) && !PROCESS_TABLES.includes(t.tablename))
      .map((t) => `(SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM public.${t.name} x)`);
    sql = `SELECT md5(concat_ws('|', ${parts.join(', ')})) AS fingerprint`;
    fingerprintSql.set(cacheKey, sql);
  }
  const [{ fingerprint }] = await prisma.$queryRawUnsafe<{ fingerprint: string }[]>(sql);
  return fingerprint;
}
