import { runMigrations } from 'graphile-worker';
import { silentJobLogger } from './logger';

/**
 * Creates or upgrades graphile-worker's own schema (graphile_worker.*). Run by the migrator right after the
 * project's SQL migrations, so every database that has the tables also has the queue that recordEvent and
 * other transactional enqueues write into. The library versions its schema itself; this is idempotent.
 */
export async function installJobSchema(databaseUrl: string): Promise<void> {
  await runMigrations({ connectionString: databaseUrl, logger: silentJobLogger, maxPoolSize: 1 });
}
