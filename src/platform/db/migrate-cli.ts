// `npm run db:migrate`: applies pending migrations to the database named by DATABASE_URL, for deploy steps
// that migrate before the new gateway instances start (the gateway also migrates at start).
import { migrate } from './migrator';

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      'DATABASE_URL is not set. It names the PostgreSQL database to migrate, ' +
        'for example DATABASE_URL=postgresql://voepy@127.0.0.1:5432/voepy npm run db:migrate',
    );
    return 1;
  }
  try {
    const { applied } = await migrate(databaseUrl, { log: (line) => console.log(line) });
    console.log(
      applied.length === 0
        ? 'database is up to date: no migration to apply'
        : `applied ${applied.length} migration(s): ${applied.join(', ')}`,
    );
    return 0;
  } catch (err) {
    // The message only: it names the migration and the SQL error. The URL is never printed (it may hold a password).
    console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

// exitCode rather than process.exit(), so output piped to a deploy log is flushed before the process ends.
void main().then((code) => {
  process.exitCode = code;
});
