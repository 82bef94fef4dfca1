import type { Logger } from 'pino';
import { ServiceDeps } from '../platform/service-deps';
import { advancePortingOrders } from '../porting/porting.progress';
import { recoverPendingNumbers } from './activation-recovery';

// The numbers domain's background work, every NUMBERS_JOBS_INTERVAL_MS on each instance: porting orders due to
// move are moved (row locks with SKIP LOCKED, so instances share the work), and pending numbers whose activation
// was lost are recovered from the carrier. Both are safe to run anywhere, any number of times.

export function startNumbersJobs(deps: ServiceDeps, logger: Logger, intervalMs: number, recoverAfterMs?: number): () => Promise<void> {
  if (intervalMs <= 0 || !deps.carrier) {
    logger.info('numbers background jobs are off');
    return async () => undefined;
  }
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      const porting = await advancePortingOrders(deps, (err, portingOrderId) => logger.error({ err, portingOrderId }, 'porting order step failed'));
      if (porting.steps) logger.info(porting, 'porting orders moved');
      const recovery = await recoverPendingNumbers(deps, { olderThanMs: recoverAfterMs, onError: (err, orderId) => logger.error({ err, orderId }, 'pending number recovery failed') });
      if (recovery.resubmitted || recovery.activated || recovery.failed) logger.info(recovery, 'pending numbers recovered');
    })()
      .catch((err: unknown) => logger.error({ err }, 'numbers background jobs failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
