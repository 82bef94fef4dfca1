import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium; playwright's own browser download needs the internet, which CI machines lack.
 * CHROMIUM_PATH overrides it (another local chromium, or a missing path to check the skip path).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const browserAvailable: boolean = existsSync(CHROMIUM_PATH);

let warned = false;
/** One loud line on stderr per test file, so a skipped browser test is never mistaken for a passing one. */
export function warnBrowserMissing(skipped = 'the real-browser tests (test/e2e/*.browser.test.ts)'): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    `\n!!!!! SKIPPED ${skipped}: ${CHROMIUM_PATH} is missing. Install it with \`apt-get install -y chromium\` (as root) or run \`bash .ci/run\`. !!!!!\n\n`,
  );
}

/**
 * Headless Debian chromium with everything that phones home switched off. Returns null, after the loud warning,
 * when chromium is not installed.
 *
 * Fresh profile: playwright's `launch()` always creates its own temporary user-data dir and deletes it on close
 * (it rejects a `--user-data-dir` argument; only `launchPersistentContext` takes one, and that returns no Browser).
 */
export async function launchBrowser(): Promise<Browser | null> {
  if (!browserAvailable) {
    warnBrowserMissing();
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox', // CI runs as root, where chromium's sandbox cannot start
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking', // otherwise chromium contacts Google services at start-up
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
