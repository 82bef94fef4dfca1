// Applies the hand-written SQL migrations in prisma/migrations (Prisma's folder layout) over plain `pg`.
// Prisma's own `migrate` needs a schema engine that cannot be downloaded here (see shared/toolchain.md), and
// the layout is kept so a team with internet can adopt `prisma migrate` later without rewriting history.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectRoot } from './project-root';
import { installJobSchema } from '../jobs/install';

/** Records what has been applied. Not part of the Prisma schema: the drift test ignores it. */
export const MIGRATIONS_TABLE = '_voepy_migrations';

/**
 * The advisory-lock key every migrating process takes ("voepy" in ASCII, as hex), so gateway instances
 * starting together, or a deploy step racing a starting instance, apply each migration exactly once.
 */
export const MIGRATION_LOCK_KEY = '508675059833'; // 0x766f657079

/** Prisma's layout: a 14-digit UTC timestamp, an underscore, a name. Anything else in the folder is ignored. */
const MIGRATION_FOLDER = /^\d{14}_\w+$/;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  log?: (line: string) => void;
  /** Defaults to prisma/migrations of this project; tests point it elsewhere. */
  migrationsDir?: string;
}

export function defaultMigrationsDir(): string {
  return join(projectRoot(), 'prisma', 'migrations');
}

/** The migrations on disk, in the order they apply (the timestamp prefix makes name order time order). */
export async function readMigrations(dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && MIGRATION_FOLDER.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8').catch((err: unknown) => {
        throw new Error(`migration ${name} has no readable migration.sql: ${messageOf(err)}`, { cause: err });
      });
      return { name, sql, checksum: checksumOf(sql) };
    }),
  );
}

/**
 * sha256 of the file with line endings normalised, so a Windows checkout (CRLF) of an unchanged migration
 * is not mistaken for an edited one.
 */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Applies every pending migration, in name order, each in its own transaction together with its record.
 * Throws if an applied migration's file has changed since: history is never rewritten, a change is a new
 * migration. Migration files must therefore not contain BEGIN/COMMIT or statements that refuse to run in a
 * transaction (CREATE INDEX CONCURRENTLY).
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => undefined);
  // Read the folder before connecting: a broken checkout fails without touching the database.
  const migrations = await readMigrations(opts.migrationsDir);

  return withClient(databaseUrl, async (client) => {
    await takeMigrationLock(client, log);
    try {
      // Created under the lock, so two first-ever starters cannot race on it.
      await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        name       text PRIMARY KEY,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const recorded = await recordedChecksums(client);
      refuseEditedMigrations(migrations, recorded, log);

      const applied: string[] = [];
      for (const migration of migrations) {
        if (recorded.has(migration.name)) continue;
        log(`applying migration ${migration.name}`);
        await applyOne(client, migration);
        applied.push(migration.name);
      }
      // The job queue's tables are part of every project database: transactional enqueues (recordEvent's
      // webhook fan-out) write into them. Other folders (the migrator's own tests) are not the project.
      if (!opts.migrationsDir) await installJobSchema(databaseUrl);
      return { applied };
    } finally {
      // Ending the session would release the lock too; unlocking says so explicitly and costs nothing.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

/**
 * Which migrations the database has and which it still needs, for /readyz. A database that was never
 * migrated (no table yet) is not an error: everything is pending.
 */
export async function migrationStatus(
  databaseUrl: string,
  opts: Pick<MigrateOptions, 'migrationsDir'> = {},
): Promise<{ applied: string[]; pending: string[] }> {
  const migrations = await readMigrations(opts.migrationsDir);
  const applied = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ present: boolean }>(
      `SELECT to_regclass('${MIGRATIONS_TABLE}') IS NOT NULL AS present`,
    );
    if (!rows[0]?.present) return [];
    return [...(await recordedChecksums(client)).keys()];
  });
  const done = new Set(applied);
  return { applied, pending: migrations.map((m) => m.name).filter((name) => !done.has(name)) };
}

async function takeMigrationLock(client: Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    MIGRATION_LOCK_KEY,
  ]);
  if (rows[0]?.locked) return;
  // Say why we are idle: another instance is migrating, and we wait for it rather than failing.
  log('another process is migrating this database; waiting for it to finish');
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
}

async function recordedChecksums(client: Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; checksum: string }>(
    `SELECT name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY name`,
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

function refuseEditedMigrations(
  migrations: Migration[],
  recorded: Map<string, string>,
  log: (line: string) => void,
): void {
  const onDisk = new Set(migrations.map((m) => m.name));
  for (const migration of migrations) {
    const checksum = recorded.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new Error(
        `migration ${migration.name} was edited after it was applied (recorded checksum ${checksum.slice(0, 12)}…, ` +
          `file now ${migration.checksum.slice(0, 12)}…). An applied migration is never edited: restore the file ` +
          `and put the change in a new migration.`,
      );
    }
  }
  // Not fatal: an older build starting against a database that a newer build already migrated (a rollback)
  // must still be able to run.
  for (const name of recorded.keys()) {
    if (!onDisk.has(name)) log(`warning: the database has migration ${name}, which this build does not know`);
  }
}

async function applyOne(client: Client, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    // No parameters, so pg uses the simple protocol, which accepts a whole file of statements.
    await client.query(migration.sql);
    await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum) VALUES ($1, $2)`, [
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${migration.name} failed${lineOf(migration.sql, err)}: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

/** Postgres reports where in the file a statement failed as a character offset; people read line numbers. */
function lineOf(sql: string, err: unknown): string {
  const position = Number((err as { position?: string } | null)?.position);
  if (!Number.isInteger(position) || position < 1) return '';
  return ` at line ${sql.slice(0, position - 1).split('\n').length}`;
}

async function withClient<T>(databaseUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: databaseUrl,
    application_name: 'voepy-migrator',
    // /readyz and a deploy step must fail, not hang, when the database is unreachable.
    connectionTimeoutMillis: 10_000,
  });
  // A connection dropped by the server emits 'error' on the client; unhandled, that would crash the whole
  // process. The query in flight rejects anyway, which is where the failure is reported.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
