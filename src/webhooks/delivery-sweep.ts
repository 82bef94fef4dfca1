import type { Logger } from 'pino';
import { WebhookSettings } from '../config';
import { ServiceDeps } from '../platform/service-deps';
import { requeueStrandedDeliveries } from './delivery.jobs';

/**
 * Every instance periodically queues again the deliveries left pending without a job (see
 * requeueStrandedDeliveries). The grace is one attempt's lease, so deliveries in flight or just queued are left
 * to their own jobs.
 */
export function startDeliverySweep(deps: ServiceDeps, logger: Logger, settings: WebhookSettings): { stop(): Promise<void> } {
  const graceMs = settings.timeoutMs + 30_000;
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= requeueStrandedDeliveries(deps, graceMs)
      .then((count) => {
        if (count) logger.info({ count }, 'queued pending webhook deliveries again');
      })
      .catch((err: unknown) => logger.error({ err }, 'webhook delivery sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, Math.max(5_000, Math.min(graceMs, 60_000)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
