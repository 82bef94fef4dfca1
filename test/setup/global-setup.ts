// Runs once per jest run, in jest's parent process, before any worker starts: picks the PostgreSQL server
// (DATABASE_URL, or an embedded one), migrates a template database for this run, and publishes what the
// workers need through the environment, which the workers inherit.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { reclaimDataDir, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/platform/db/embedded';
import { migrate } from '../../src/platform/db/migrator';
import { withClient, withDatabase } from '../helpers/database';
import globalTeardown from './global-teardown';

/** What global-teardown needs; jest runs both in the same process, so globalThis carries it across. */
export interface TestRunState {
  runId: string;
  adminUrl: string;
  embedded?: EmbeddedPostgres;
  dataDir?: string;
}

declare global {
  // eslint-disable-next-line no-var
  var __voepyTestRun: TestRunState | undefined;
}

/** Embedded clusters live in <tmp>/voepy-test-pg-<pid>-XXXXXX; the pid tells a later run whether its owner died. */
const DATA_DIR_PREFIX = 'voepy-test-pg-';

export default async function globalSetup(): Promise<void> {
  // Unique per run, and every database of the run starts with it, so concurrent runs on one server
  // (two developers, CI jobs) never touch each other's databases.
  const runId = `voepy_t${process.pid}_${Date.now().toString(36)}`;
  const state: TestRunState = { runId, adminUrl: '' };
  globalThis.__voepyTestRun = state;
  try {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      await removeDeadRunsDataDirs();
      state.dataDir = await mkdtemp(join(tmpdir(), `${DATA_DIR_PREFIX}${process.pid}-`));
      state.embedded = await startEmbeddedPostgres({ dataDir: state.dataDir });
      serverUrl = state.embedded.url;
    }
    state.adminUrl = withDatabase(serverUrl, 'postgres');

    const templateDb = `${runId}_tmpl`;
    await withClient(state.adminUrl, (client) => client.query(`CREATE DATABASE ${escapeIdentifier(templateDb)}`));
    await migrate(withDatabase(serverUrl, templateDb));

    process.env.VOEPY_TEST_ADMIN_URL = state.adminUrl;
    process.env.VOEPY_TEST_TEMPLATE_DB = templateDb;
    process.env.VOEPY_TEST_RUN_ID = runId;
  } catch (err) {
    // Jest skips globalTeardown when globalSetup fails: clean up here, or the server and databases leak.
    await globalTeardown().catch(() => undefined);
    throw err;
  }
}

/**
 * A run killed before its teardown (SIGKILL, a closed terminal) leaves its temp cluster behind, maybe with
 * postgres still running. Reclaim those whose jest process is gone; a live pid means a concurrent run.
 */
async function removeDeadRunsDataDirs(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith(DATA_DIR_PREFIX))) {
    const pid = Number(entry.slice(DATA_DIR_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    const dir = join(tmpdir(), entry);
    try {
      await reclaimDataDir(dir);
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover we cannot reclaim must not stop this run.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
