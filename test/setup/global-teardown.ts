// Runs once after all test files, in jest's parent process: drops every database this run created and
// stops the embedded server if global-setup started one. On a shared server (DATABASE_URL) this leaves it
// exactly as it was found.
import { rm } from 'node:fs/promises';
import { escapeIdentifier } from 'pg';
import { withClient } from '../helpers/database';
import type { TestRunState } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state: TestRunState | undefined = globalThis.__voepyTestRun;
  if (!state) return;
  globalThis.__voepyTestRun = undefined; // idempotent: setup's failure path may already have run it
  try {
    if (state.adminUrl) await dropRunDatabases(state.adminUrl, state.runId);
  } finally {
    await state.embedded?.stop();
    if (state.dataDir) await rm(state.dataDir, { recursive: true, force: true });
  }
}

async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  // Every database of the run is named `<runId>_…`: the template, the workers', the empty ones of migrator tests.
  const prefix = `${runId}_`;
  await withClient(adminUrl, async (client) => {
    // A test that forgot to close a connection (or a pool still idling) would make DROP DATABASE fail.
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE starts_with(datname, $1) AND pid <> pg_backend_pid()`,
      [prefix],
    );
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    // DROP DATABASE waits a few seconds for terminated sessions to finish exiting, so no retry loop is needed.
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(datname)}`);
  });
}
