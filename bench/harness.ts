import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';

// What every scenario shares: the mode's time bounds, the row written to results.md, processes under test, and
// the load generators (autocannon for HTTP, a closed loop of clients for in-process work).

export const quick = process.argv.includes('--quick');
/** Seconds of measured load per target, and of warm-up before it. */
export const DURATION = quick ? 3 : 20;
export const WARMUP = quick ? 1 : 5;

export interface Row {
  scenario: string;
  baseline: string;
  gatewayRps: number;
  baselineRps: number;
  ratio: number;
  p50: number;
  p99: number;
  errors: number;
  goal: string;
  pass: boolean;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface Started {
  child: ChildProcess;
  port: number;
}

/**
 * Environment every process under test gets, the gateway and the baselines alike: quiet, no demo data, no billing
 * runs, no rate limit in the way, and NODE_ENV=production (graphql-js drops its development checks; the gateway
 * defaults to it, and the graphql-js baseline must not be handicapped by them either).
 */
const QUIET = { PORT: '0', LOG_LEVEL: 'warn', SEED_DEMO: 'false', BILLING_SCHEDULER: 'off', RATE_LIMIT_PER_WINDOW: '1000000', NODE_ENV: 'production' };

const children = new Set<ChildProcess>();
// A bench that dies half-way must not leave gateways running.
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

export function startProcess(script: string, env: Record<string, string>, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [...args, script], { env: { ...process.env, ...QUIET, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    child.stdout!.on('data', (d) => {
      // Once started, what it logs (warnings and errors only) goes to our stderr.
      if (ready) return void process.stderr.write(d);
      out += d;
      const port = /listening (\d+)/.exec(out)?.[1] ?? /REST \/v1\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) {
        ready = true;
        resolve({ child, port: Number(port) });
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

/** Stops a process and waits for it to be gone (its database connections closed). */
export function stopProcess(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}

export interface LoadOptions {
  url: string;
  connections: number;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** Requests per second from all connections together; unset = as fast as the target answers. */
  overallRate?: number;
  /** Skip the warm-up (a fixed-rate run right after a peak run of the same target). */
  warm?: boolean;
  duration?: number;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const { warm, duration, ...rest } = opts;
  const base = { ...rest, method: opts.method ?? 'GET' };
  // Every target gets the same warm-up first (JIT, pools, caches): the measured run compares steady states.
  if (!warm) await autocannon({ ...base, duration: WARMUP });
  const result = await autocannon({ ...base, duration: duration ?? DURATION });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

export function row(scenario: string, baseline: string, g: LoadResult, b: LoadResult, goal: string, pass: boolean): Row {
  return { scenario, baseline, gatewayRps: g.rps, baselineRps: b.rps, ratio: g.rps / b.rps, p50: g.p50, p99: g.p99, errors: g.errors, goal, pass };
}

/** Latency percentile of sorted milliseconds. */
export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
}

/**
 * `clients` concurrent loops calling `one` for `seconds`: throughput and latency of in-process work. Like load(),
 * each target is warmed up first (WARMUP seconds, not counted): measured cold, the first target also paid for
 * the JIT and for opening its pool's connections (in a 3 s quick run the one-tenant debit spent ~1 s more CPU in
 * its first window than in the next ones), which flattered whichever row ran after it.
 */
export async function runClients(one: () => Promise<unknown>, clients = 32, seconds = DURATION): Promise<LoadResult> {
  await loop(one, clients, WARMUP);
  return loop(one, clients, seconds);
}

async function loop(one: () => Promise<unknown>, clients: number, seconds: number): Promise<LoadResult> {
  const begun = performance.now();
  const end = Date.now() + seconds * 1000;
  let count = 0;
  let errors = 0;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      try {
        await one();
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
      count++;
    }
  }));
  latencies.sort((a, b) => a - b);
  // Over the time really taken: the calls still in flight at the end are counted, so is the time they took.
  const elapsed = (performance.now() - begun) / 1000;
  return { rps: count / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors };
}
