import type { Logger } from 'pino';
import { ServiceDeps } from '../platform/service-deps';
import { recoverCalls } from './calls.recovery';
import { recoverRecordings } from './calls.recording-recovery';

// Recovery of calls whose carrier leg is gone (and of recordings whose audio report was lost): once at start (a restart mid-call leaves calls in flight with
// frozen holds), then every CALL_RECOVERY_INTERVAL_MS. Settling is idempotent (row lock + forward-only state
// machine), so instances running it at the same time settle each call once.

export interface CallRecoveryOptions {
  intervalMs: number;
  /** Passed to recoverCalls: legless calls younger than this are left alone. */
  graceMs?: number;
}

/** Starts recovery; the returned function stops it and waits for a run in progress. */
export function startCallRecovery(deps: ServiceDeps, logger: Logger, opts: CallRecoveryOptions): { stop(): Promise<void>; runNow(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= recoverCalls(deps, { graceMs: opts.graceMs })
      .then(async (out) => {
        if (out.settled) logger.info(out, 'calls whose carrier leg was gone were settled');
        // After the calls: a call ended here has just sent its running recording to processing.
        const recordings = await recoverRecordings(deps);
        if (recordings.saved || recordings.failed) logger.info(recordings, 'recordings whose carrier report was lost were settled');
      })
      .catch((err: unknown) => logger.error({ err }, 'call recovery failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
