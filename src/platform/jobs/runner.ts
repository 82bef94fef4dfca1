import { run, Runner, Task, TaskList } from 'graphile-worker';
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
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= runner.stop();
      return stopped;
    },
  };
}
