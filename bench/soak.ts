import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startLocalStripe, stripeClientConfig } from '../src/payments/stripe-local';
import { createPrismaClient } from '../src/platform/db/client';
import { startEmbeddedPostgres } from '../src/platform/db/embedded';
import { migrate } from '../src/platform/db/migrator';
import { projectRoot } from '../src/platform/db/project-root';
import { checkInvariants, summarize } from './traffic/invariants';
import { OperationKind, setUpTenants, Traffic } from './traffic/mixed-traffic';

// `npm run soak [-- --minutes 3 --tenants 20 --rate 20]`: the gateway as a process (loopback only) under mixed
// traffic of many tenants at a fixed rate (open loop: requests start on schedule whether or not earlier ones
// answered), for a bounded time. Then the invariants of test/chaos are checked, and the error rate, the p99
// latency and the gateway's memory are reported. Exits non-zero when an invariant fails, more than 1% of
// requests fail, or the heap keeps growing after the warm-up.
//
// Memory: RSS rises for a while whatever the code does (V8 grows its heap to the load, JIT code, pools filling),
// so a slope over a short run mostly measures warm-up. The gateway runs with --expose-gc and a probe
// (bench/heap-probe.ts) that, at each checkpoint, collects garbage fully and reports the heap still in use: what
// the process really keeps. Checkpoints in the warm-up window are left out; over the rest, the least-squares slope
// of that heap must stay under the limit. RSS is reported alongside, not judged.

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const MINUTES = arg('minutes', 3);
const TENANTS = Math.round(arg('tenants', 20));
const RATE = arg('rate', 20);
/** Minutes of warm-up whose heap checkpoints are not judged (default: a third of the run, at most 1). */
const WARMUP_MINUTES = arg('warmup-minutes', Math.min(1, MINUTES / 3));
/** MiB per minute the heap after a full GC may still grow once warmed up. */
const HEAP_SLOPE_LIMIT = arg('heap-slope-limit', 2);
/** Seconds between heap checkpoints: 12 over the run, 5 to 15 s apart (each is a full GC in the gateway). */
const CHECKPOINT_SECONDS = Math.min(15, Math.max(5, (MINUTES * 60) / 12));
const MAX_IN_FLIGHT = 200;
const MIX: [OperationKind, number][] = [['read', 5], ['call', 3], ['order', 1], ['topup', 1]];

function startGateway(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--expose-gc', '--require', join(projectRoot(), 'dist/bench/heap-probe.js'), join(projectRoot(), 'dist/src/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /REST \/v1\s+(http:\/\/\S+)\/v1/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

interface HeapSample {
  heapUsed: number;
  rss: number;
  gcMs: number;
}

/** The gateway's heap in use right after a full GC (bench/heap-probe.ts answers over the IPC channel). */
function heapAfterGc(child: ChildProcess): Promise<HeapSample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('the heap probe did not answer in 10 s')), 10_000);
    const onMessage = (m: HeapSample & { error?: string }) => done(m.error ? new Error(m.error) : undefined, m);
    const done = (err?: Error, m?: HeapSample) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (err) reject(err);
      else resolve(m!);
    };
    child.on('message', onMessage);
    child.send('heap');
  });
}

const MiB = 1024 * 1024;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main() {
  const embeddedDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'voepy-soak-'));
  if (embeddedDir) chmodSync(embeddedDir, 0o755);
  const embedded = embeddedDir ? await startEmbeddedPostgres({ dataDir: join(embeddedDir, 'pg') }) : undefined;
  const url = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(url);
  const prisma = createPrismaClient({ url, poolSize: 5 });
  // Stripe outside the gateway, as in production.
  const stripe = await startLocalStripe();
  const dataDir = mkdtempSync(join(tmpdir(), 'voepy-soak-gw-'));
  let gateway: { child: ChildProcess; url: string } | undefined;
  try {
    gateway = await startGateway({
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      BILLING_SCHEDULER: 'off',
      RATE_LIMIT_PER_WINDOW: '1000000',
      CARRIER_TIME_SCALE: '0.02',
      CALL_RECOVERY_INTERVAL_MS: '5000',
      // Ended legs forgotten after 30 s (default 30 min), so a run of minutes sees the simulator's memory level off.
      CARRIER_LEG_RETENTION_SECS: '30',
      NUMBERS_JOBS_INTERVAL_MS: '5000',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.url,
    });
    stripe.setWebhookUrl(`${gateway.url}/webhooks/stripe`);
    const card = new Stripe(stripe.secretKey, { ...stripeClientConfig(stripe), telemetry: false });
    const tenants = await setUpTenants({ prisma, gatewayUrl: gateway.url, count: TENANTS, stripe: card, label: 'soak', fundsCents: 100_000_000n });
    const traffic = new Traffic({ baseUrl: gateway.url, timeoutMs: 30_000, topUpCents: 500 });
    const pid = gateway.child.pid!;

    const started = Date.now();
    const end = started + MINUTES * 60_000;
    const rss: [number, number][] = [];
    const sampler = setInterval(() => rss.push([(Date.now() - started) / 60_000, rssMiB(pid)]), 1000);
    // [minute, MiB of heap after a full GC, GC pause in ms]
    const heap: [number, number, number][] = [];
    const checkpoints = setInterval(() => {
      const at = (Date.now() - started) / 60_000;
      heapAfterGc(gateway!.child).then(
        (h) => heap.push([at, h.heapUsed / MiB, h.gcMs]),
        (err: Error) => process.stderr.write(`heap checkpoint failed: ${err.message}\n`),
      );
    }, CHECKPOINT_SECONDS * 1000);
    const total = MIX.reduce((s, [, w]) => s + w, 0);
    let inFlight = 0;
    let skipped = 0;
    let sent = 0;
    const running: Promise<unknown>[] = [];
    process.stdout.write(`soak: ${TENANTS} tenants, ${RATE} operations/s for ${MINUTES} min against ${gateway.url}\n`);
    while (Date.now() < end) {
      const due = started + (sent + skipped) * (1000 / RATE);
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      let r = Math.random() * total;
      const kind = MIX.find(([, w]) => (r -= w) < 0)?.[0] ?? 'read';
      const tenant = tenants[(sent + skipped) % tenants.length];
      inFlight++;
      sent++;
      running.push(traffic.run(kind, tenant).finally(() => inFlight--));
    }
    // Checkpoints are taken under load only: one after the traffic ended would flatter the heap.
    clearInterval(checkpoints);
    await Promise.all(running);
    clearInterval(sampler);

    const violations = await settle(() => checkInvariants(url, traffic.outcomes, { tenantIds: tenants.map((t) => t.tenantId) }), 120_000);
    const stats = summarize(traffic.outcomes);
    const judged = heap.filter(([m]) => m >= WARMUP_MINUTES);
    const heapSlope = slope(judged.map(([m, mib]) => [m, mib]));
    const heapGrowth = judged.length ? judged[judged.length - 1][1] - judged[0][1] : 0;
    const maxGcMs = Math.max(0, ...heap.map(([, , ms]) => ms));
    const checks = [
      { name: 'invariants (ledger, holds, calls, numbers, payments)', pass: violations.length === 0, detail: violations.slice(0, 10).join('; ') || 'all hold' },
      { name: 'error rate ≤ 1% (5xx or no answer)', pass: stats.errorRate <= 0.01, detail: `${(stats.errorRate * 100).toFixed(2)}% of ${stats.requests}` },
      {
        name: `heap after GC stops growing: slope after ${WARMUP_MINUTES.toFixed(2)} min of warm-up ≤ ${HEAP_SLOPE_LIMIT} MiB/min (≥ 3 checkpoints)`,
        pass: judged.length >= 3 && heapSlope <= HEAP_SLOPE_LIMIT,
        detail: judged.length >= 3 ? `${heapSlope.toFixed(2)} MiB/min over ${judged.length} checkpoints (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MiB first to last)` : `only ${judged.length} checkpoints after the warm-up: run longer`,
      },
      { name: `schedule kept (≤ 1% of operations skipped at ${MAX_IN_FLIGHT} in flight)`, pass: skipped <= 0.01 * (sent + skipped), detail: `${skipped} skipped` },
    ];
    const lines = [
      `# Soak results (${new Date().toISOString()})`,
      '',
      `${TENANTS} tenants, ${RATE} operations/s (reads, calls, number orders, top-ups ${MIX.map(([, w]) => w).join(':')}), ${MINUTES} min, loopback.`,
      '',
      `- requests: ${stats.requests} (by status: ${JSON.stringify(stats.byStatus)})`,
      `- latency: p50 ${stats.p50.toFixed(0)} ms, p99 ${stats.p99.toFixed(0)} ms`,
      `- heap after a full GC (MiB, every ${CHECKPOINT_SECONDS.toFixed(0)} s; * = warm-up, not judged): ${heap.map(([m, mib]) => `${mib.toFixed(1)}${m < WARMUP_MINUTES ? '*' : ''}`).join(', ')}; longest GC pause ${maxGcMs.toFixed(0)} ms`,
      `- RSS (not judged): ${rss[0]?.[1].toFixed(0)} MiB at start, ${rss[rss.length - 1]?.[1].toFixed(0)} MiB at the end, max ${Math.max(...rss.map(([, v]) => v)).toFixed(0)} MiB`,
      '',
      '| check | result | pass |',
      '|---|---|---|',
      ...checks.map((c) => `| ${c.name} | ${c.detail} | ${c.pass ? 'pass' : 'FAIL'} |`),
      '',
    ];
    writeFileSync(join(projectRoot(), 'bench', 'soak-results.md'), lines.join('\n'));
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = checks.every((c) => c.pass) ? 0 : 1;
  } finally {
    gateway?.child.kill('SIGTERM');
    await stripe.close();
    await prisma.$disconnect();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
  }
}

async function settle(check: () => Promise<string[]>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
