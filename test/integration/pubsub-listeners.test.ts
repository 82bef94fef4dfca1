import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Many live subscriptions on one tenant's topic are normal traffic: Node must not report them as a leak
// (MaxListenersExceededWarning past 10 listeners), in memory or through Redis. Run in a child process: Node emits
// the warning on the real `process`, which jest's sandbox does not expose. (Uses the build: `npm test` makes it.)
const SCRIPT = join(__dirname, '../fixtures/scripts/many-subscribers.js');
const run = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { timeout: 20_000 });
  return JSON.parse(stdout) as { received: number; warnings: string[] };
};
const RELEASED = join(__dirname, '../fixtures/scripts/delivered-events-released.js');

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Each check runs on both buses: in memory (no URL) and through Redis. */
const BUSES = [
  ['in memory', ''],
  ['through Redis', REDIS_URL],
];

describe('50 subscribers on one topic', () => {
  it.each(BUSES)('%s: every one receives the event and Node emits no warning', async (_label, url) => {
    expect(await run('50', url)).toEqual({ received: 50, warnings: [] });
  });

  it('the check can fail: a bare EventTarget (the pub/sub library default) warns past 10 listeners', async () => {
    const { received, warnings } = await run('50', '', 'plain');
    expect(received).toBe(50);
    expect(warnings).toEqual([expect.stringMatching(/^MaxListenersExceededWarning: .*11 BALANCE_CHANGED:tenant-1 listeners/)]);
  });
});

describe('an open subscription does not keep the events it delivered', () => {
  // Through Redis every event is a new object per instance, and the shared execution's results and the call read
  // once per event are keyed by it: kept, they would grow with every event until the subscription ends.
  it.each(BUSES)('%s: after 20 events on 5 open subscriptions, the first 18 are collectable', async (_label, url) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', RELEASED, url], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ checked: 90, alive: 0 });
  });
});
