import { makeWorkerUtils, run, Runner, Task, TaskList, WorkerUtils } from 'graphile-worker';
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
  const runner: Runner = await run({
    connectionString: opts.databaseUrl,
    concurrency: opts.concurrency,
    // One connection per concurrent job plus the LISTEN connection.
    maxPoolSize: opts.concurrency + 2,
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
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: opts.databaseUrl, logger: jobLogger(opts.logger), maxPoolSize: 1 });
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
    },
  };
}
