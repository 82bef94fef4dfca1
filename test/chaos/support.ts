// Small tools the fault scenarios share.

export { freePort } from '../helpers/gateway-process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `check` until it reports nothing, or the time is up: then returns its last findings, so the assertion
 * shows what was still wrong.
 */
export async function settled(check: () => Promise<string[]>, timeoutMs: number, everyMs = 1000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found.length === 0 || Date.now() > deadline) return found;
    await sleep(everyMs);
  }
}

/** Settings that make a gateway process recover quickly, for tests that wait for it. */
export const FAST_RECOVERY_ENV: Record<string, string> = {
  CARRIER_TIME_SCALE: '0.02',
  CALL_RECOVERY_INTERVAL_MS: '500',
  // A restarted process is a new instance: it settles its killed predecessor's calls once that one's heartbeat is stale.
  INSTANCE_HEARTBEAT_INTERVAL_MS: '200',
  INSTANCE_STALE_AFTER_MS: '2000',
  NUMBERS_JOBS_INTERVAL_MS: '500',
  ACTIVATION_RECOVERY_AFTER_MS: '3000',
  // Longer than any job may legitimately run (a webhook attempt is bounded by WEBHOOK_TIMEOUT_MS): a shorter one
  // unlocks live workers' jobs too, and their updates can then be lost.
  JOB_STALE_LOCK_MS: '10000',
  WEBHOOK_TIMEOUT_MS: '3000',
  RATE_LIMIT_PER_WINDOW: '1000000',
  DATABASE_POOL_SIZE: '10',
};
