import type { Logger } from 'pino';
import { ConfigError } from '../config';
import { systemClock } from '../platform/clock';
import { ServiceDeps } from '../platform/service-deps';
import { runMonthlyBillingIfDue } from './invoice.jobs';
import { renewSubscriptions } from './plans.service';
import { chargeMonthlyNumberFees } from '../numbers/numbers.jobs';

// The gateway's own clock for periodic billing: once an hour, each instance renews plan periods that ended and
// asks whether this month's billing has completed, and runs it if not. The run's advisory lock lets only one instance work at a time, and an hour later
// anything a failure left undone is retried. BILLING_SCHEDULER=off turns it off (tests, or when an external
// cron calls `npm run admin -- billing:run-monthly` instead).

const HOUR_MS = 3_600_000;

export function billingSchedulerEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.BILLING_SCHEDULER;
  if (raw === undefined || raw === '' || /^(on|true|1)$/i.test(raw)) return true;
  if (/^(off|false|0)$/i.test(raw)) return false;
  throw new ConfigError(`BILLING_SCHEDULER must be on or off, got "${raw}"`);
}

export interface SchedulerOptions {
  env?: Record<string, string | undefined>;
  intervalMs?: number;
  /** The first check waits this long, so a start is not slowed and a crash-looping instance does not hammer Stripe. */
  firstCheckMs?: number;
}

/** Starts the hourly check; the returned function stops it and waits for a run in progress. */
export function startBillingScheduler(deps: Omit<ServiceDeps, 'clock'> & { clock?: ServiceDeps['clock'] }, logger: Logger, opts: SchedulerOptions = {}): () => Promise<void> {
  if (!billingSchedulerEnabled(opts.env)) {
    logger.info('billing scheduler is off (BILLING_SCHEDULER=off)');
    return async () => undefined;
  }
  const services: ServiceDeps = { ...deps, clock: deps.clock ?? systemClock };
  let running: Promise<void> | undefined;
  let stopped = false;
  const check = () => {
    if (running || stopped) return;
    // Plan periods that ended renew (and are charged) first, so their fees land in the month they belong to.
    running = renewSubscriptions(services)
      .then((renewal) => {
        if (renewal.renewed || renewal.ended) logger.info(renewal, 'subscriptions renewed or ended');
        return chargeMonthlyNumberFees(services);
      })
      .then((mrc) => {
        // Numbers' monthly fees for this month (once per number and month, whichever instance runs first).
        if (mrc.charged) logger.info(mrc, 'number monthly fees charged');
        return runMonthlyBillingIfDue(services);
      })
      .then((out) => {
        if (out.outcome !== 'ran') return;
        const { run } = out;
        const log = { period: out.period, invoices: run.invoices.length, created: run.invoices.filter((i) => i.created).length, failures: run.failures };
        if (run.completed) logger.info(log, 'monthly billing completed');
        else logger.warn(log, 'monthly billing incomplete; retrying in an hour');
      })
      .catch((err: unknown) => logger.error({ err }, 'monthly billing check failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(check, opts.firstCheckMs ?? 60_000);
  const hourly = setInterval(check, opts.intervalMs ?? HOUR_MS);
  first.unref();
  hourly.unref();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(hourly);
    await running;
  };
}
