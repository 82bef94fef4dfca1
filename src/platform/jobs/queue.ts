import { Db } from '../db/client';
import { JobPayloads, TaskName } from './tasks';

/** graphile-worker's schema; installed by the migrator (see install.ts). */
export const JOBS_SCHEMA = 'graphile_worker';

export interface AddJobOptions {
  /** Not before this instant (default: now, as soon as the transaction commits). */
  runAt?: Date;
  /**
   * At most one queued job per key. `replace` moves an existing unstarted job's run time to this one;
   * `preserve_run_at` leaves an already scheduled job's time alone (a nudge must not hurry a backoff).
   */
  jobKey?: string;
  jobKeyMode?: 'replace' | 'preserve_run_at';
  /** Attempts graphile-worker makes when the handler throws (infrastructure failures); default 10. */
  maxAttempts?: number;
}

/**
 * Enqueues a job with the caller's database handle. Given a transaction, the job exists exactly when the
 * transaction commits: a crash after commit loses nothing, a rollback runs nothing. Workers are woken by the
 * NOTIFY graphile-worker's add_job issues, which Postgres delivers at commit.
 */
export async function addJob<T extends TaskName>(db: Db, task: T, payload: JobPayloads[T], opts: AddJobOptions = {}): Promise<void> {
  await db.$queryRaw`SELECT 1 FROM graphile_worker.add_job(
    identifier => ${task}::text,
    payload => ${JSON.stringify(payload)}::json,
    run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? 10}::int,
    job_key => ${opts.jobKey ?? null}::text,
    job_key_mode => ${opts.jobKeyMode ?? 'replace'}::text
  )`;
}
