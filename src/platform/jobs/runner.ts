import { makeWorkerUtils, run, Runner, Task, TaskList, WorkerUtils } from 'graphile-worker';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { jobLogger } from './logger';
import { JobPayloads, TaskName } from './tasks';

/** A task's handler: receives its typed payload; throwing makes graphile-worker retry it with backoff. */
export type TaskHandler<T extends TaskName> = (payload: JobPayloads[T], job: { id: string; attempts: number }) => Promise<void>;

export type TaskHandlers = { [T in TaskName]?: TaskHandler<T> };

export interface JobRunnerOptions {
  databaseUrl: string;
  handlers: TaskHandlers;
  logger: Logger;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** Milliseconds between polls for jobs scheduled in the future (new jobs wake workers by NOTIFY at once). */
  pollIntervalMs: number;
  /**
   * A job locked longer than this is taken to belong to a dead process (killed, OOM, lost host) and is
   * unlocked so another worker runs it. Handlers must therefore be bounded well below it and idempotent
   * (a live but slow handler may see its job run a second time).
   */
  staleLockMs: number;
}

/** How the job queue's connections name themselves in pg_stat_activity. */
export const JOBS_APPLICATION_NAME = 'voepy-jobs';

export interface JobRunner {
  /** Stops taking jobs and waits for the running ones to finish. */
  stop(): Promise<void>;
}

/** Starts this process's workers on the Postgres-backed queue. Several gateway processes share one queue safely. */
export async function startJobRunner(opts: JobRunnerOptions): Promise<JobRunner> {
  const taskList: TaskList = {};
  for (const [name, handler] of Object.entries(opts.handlers) as [TaskName, TaskHandler<TaskName>][]) {
    const task: Task = async (payload, helpers) => handler(payload as never, { id: helpers.job.id, attempts: helpers.job.attempts });
    taskList[name] = task;
  }
  // One connection per concurrent job plus the LISTEN connection.
  const pool = jobsPool(opts, opts.concurrency + 2);
  const runner: Runner = await run({
    pgPool: pool.pool,
    concurrency: opts.concurrency,
    pollInterval: opts.pollIntervalMs,
    // The gateway owns SIGINT/SIGTERM and stops the runner in its own shutdown order.
    noHandleSignals: true,
    logger: jobLogger(opts.logger),
    taskList,
  });
  const sweeper = await startStaleLockSweeper(opts);
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        await sweeper.stop();
        await runner.stop();
        await pool.end();
      })();
      return stopped;
    },
  };
}

/**
 * graphile-worker leaves a crashed process's jobs locked for hours. Every instance sweeps (at start, then
 * periodically) for jobs locked longer than `staleLockMs` and unlocks their workers through the library's own
 * forceUnlockWorkers, so a gateway killed mid-job has its work picked up by whichever instance runs next.
 */
async function startStaleLockSweeper(opts: JobRunnerOptions): Promise<{ stop(): Promise<void> }> {
  const pool = jobsPool(opts, 1);
  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: pool.pool, logger: jobLogger(opts.logger) });
  const sweep = async () => {
    const stale = await utils.withPgClient((client) =>
      client.query<{ locked_by: string }>(
        'SELECT DISTINCT locked_by FROM graphile_worker.jobs WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)',
        [opts.staleLockMs / 1000],
      ),
    );
    const workerIds = stale.rows.map((r) => r.locked_by);
    if (workerIds.length === 0) return;
    opts.logger.warn({ workerIds }, 'unlocking jobs of workers that stopped without finishing them');
    await utils.forceUnlockWorkers(workerIds);
  };
  let running: Promise<void> = sweep().catch((err) => opts.logger.error({ err }, 'stale job lock sweep failed'));
  const timer = setInterval(() => {
    running = running.then(sweep).catch((err) => opts.logger.error({ err }, 'stale job lock sweep failed'));
  }, Math.max(250, Math.min(opts.staleLockMs / 2, 60_000)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await utils.release();
      await pool.end();
    },
  };
}

/**
 * A pool for graphile-worker that keeps its error handlers until it has ended. The pools graphile-worker makes
 * itself drop theirs the moment it stops, without waiting for their connections to close: one ended by the
 * server just then (the embedded database stopping at Ctrl-C) was an unhandled 'error' event, and the process
 * exited 1 instead of 0.
 */
function jobsPool(opts: JobRunnerOptions, max: number): { pool: Pool; end(): Promise<void> } {
  const pool = new Pool({ connectionString: opts.databaseUrl, max, application_name: JOBS_APPLICATION_NAME });
  let ending = false;
  const lost = (err: Error) => {
    // Expected while the gateway stops; otherwise graphile-worker notices on its next query and reconnects.
    if (!ending) opts.logger.warn({ err, component: 'jobs' }, 'job queue connection lost');
  };
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  return {
    pool,
    async end() {
      ending = true;
      // pg waits for every checked-out connection to come back; one graphile-worker never hands back must not
      // hold the shutdown.
      await Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
