import 'reflect-metadata';
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { credit, debit } from '../src/billing/ledger.service';
import { systemClock } from '../src/platform/clock';
import { createPrismaClient } from '../src/platform/db/client';
import { startEmbeddedPostgres } from '../src/platform/db/embedded';
import { migrate } from '../src/platform/db/migrator';
import { projectRoot } from '../src/platform/db/project-root';
import { createGatewayPubSub } from '../src/platform/pubsub';
import { SCOPES, systemActor } from '../src/platform/auth/scopes';
import { createApiKey, createTenant } from '../src/tenants/tenant.service';
import { CALLS_QUERY, NUMBERS_QUERY, seedLists } from './seed';
import { statementsOf } from './scenarios/statements';
import { measureStartup } from './scenarios/startup';

// `npm run bench [-- --quick]`: starts the gateway and the baselines as separate processes on one PostgreSQL,
// loads each with autocannon over loopback (bounded in time), and writes bench/results.md and results.json.
// Every figure that matters is a ratio against a baseline measured in the same run.

const quick = process.argv.includes('--quick');
const DURATION = quick ? 5 : 20;
const WARMUP = quick ? 2 : 5;
const dist = join(projectRoot(), 'dist');

interface Row {
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

function startProcess(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'warn', SEED_DEMO: 'false', BILLING_SCHEDULER: 'off', RATE_LIMIT_PER_WINDOW: '1000000' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const port = /listening (\d+)/.exec(out)?.[1] ?? /REST \/v1\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

async function load(opts: { url: string; connections: number; headers: Record<string, string>; method?: 'GET' | 'POST'; body?: string }) {
  // Every target gets the same warm-up first (JIT, pools, caches): the measured run compares steady states.
  await autocannon({ ...opts, duration: WARMUP, method: opts.method ?? 'GET' });
  const result = await autocannon({ ...opts, duration: DURATION, method: opts.method ?? 'GET' });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

async function main() {
  const embeddedDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'voepy-bench-'));
  if (embeddedDir) chmodSync(embeddedDir, 0o755);
  const embedded = embeddedDir ? await startEmbeddedPostgres({ dataDir: join(embeddedDir, 'pg') }) : undefined;
  const url = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(url);
  const prisma = createPrismaClient({ url, poolSize: 40 });
  const deps = { db: prisma, pubSub: createGatewayPubSub(), clock: systemClock };
  const tenant = await createTenant(prisma, { name: 'Bench Co' }, 'bench');
  const key = (await createApiKey(prisma, systemActor(tenant.id, 'bench'), { name: 'bench', scopes: [...SCOPES] })).plaintext;
  await credit(deps, { tenantId: tenant.id, kind: 'adjustment', amountCents: 10_000_000n, description: 'bench funds' });

  const env = { DATABASE_URL: url };
  const gateway = await startProcess(join(dist, 'src/main.js'), env);
  const raw = await startProcess(join(dist, 'bench/baselines/raw-account-server.js'), env);
  const plain = await startProcess(join(dist, 'bench/baselines/graphql-js-server.js'), env);
  const rawLists = await startProcess(join(dist, 'bench/baselines/raw-lists-server.js'), env);
  const rows: Row[] = [];
  const auth = { authorization: `Bearer ${key}` };
  const query = JSON.stringify({ query: '{ account { tenant { id name } balance { amountCents currency creditLimitCents } } }' });
  const json = { ...auth, 'content-type': 'application/json' };
  try {
    await seedLists(prisma, deps, tenant.id);
    const gql = await load({ url: `http://127.0.0.1:${gateway.port}/graphql`, connections: 50, headers: json, method: 'POST', body: query });
    const gqlBase = await load({ url: `http://127.0.0.1:${plain.port}/graphql`, connections: 50, headers: json, method: 'POST', body: query });
    rows.push(row('`account` over GraphQL HTTP, 50 connections', 'graphql-js + raw pg on node:http', gql, gqlBase, '≥ 50% of baseline, 0 errors', gql.rps / gqlBase.rps >= 0.5 && gql.errors === 0));

    const rest = await load({ url: `http://127.0.0.1:${gateway.port}/v1/account`, connections: 50, headers: auth });
    const rawBase = await load({ url: `http://127.0.0.1:${raw.port}/account`, connections: 50, headers: auth });
    rows.push(row('GET /v1/account, 50 connections', 'raw pg on node:http', rest, rawBase, 'informative', true));
    rows.push(row('GET /v1/account vs the same GraphQL query', 'the gateway’s GraphQL `account`', rest, gql, 'REST costs ≤ 10% (ratio ≥ 0.9)', rest.rps / gql.rps >= 0.9));

    for (const [name, query, path] of [['100 numbers with connection and emergency address', NUMBERS_QUERY, '/numbers'], ['100 calls with number, connection and charge', CALLS_QUERY, '/calls']] as const) {
      const statements = await statementsOf(url, tenant.id, query);
      const body = JSON.stringify({ query });
      const g = await load({ url: `http://127.0.0.1:${gateway.port}/graphql`, connections: 10, headers: json, method: 'POST', body });
      const b = await load({ url: `http://127.0.0.1:${rawLists.port}${path}`, connections: 10, headers: auth });
      rows.push(row(`${name} (GraphQL, ${statements} SQL statements)`, 'hand-written raw pg: the page + one query for what it points at', g, b, `≤ 4 statements, ≥ 50% of baseline`, statements <= 4 && g.rps / b.rps >= 0.5 && g.errors === 0));
    }

    rows.push(await ledgerRow(url, prisma, deps, tenant.id));
    rows.push(await ledgerSpreadRow(prisma, deps, rows[rows.length - 1]));
  } finally {
    for (const p of [gateway, raw, plain, rawLists]) p.child.kill('SIGTERM');
    await prisma.$disconnect();
    await embedded?.stop();
    if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
  }
  rows.push(await startupRow());
  write(rows);
}

/** The ledger debit spread over 1,000 tenants: row locks no longer serialise it, so it should scale (≥ 3×). */
async function ledgerSpreadRow(prisma: ReturnType<typeof createPrismaClient>, deps: Parameters<typeof debit>[0], oneTenant: Row): Promise<Row> {
  const tenants: string[] = [];
  for (let i = 0; i < 1_000; i += 25) {
    tenants.push(...(await Promise.all(Array.from({ length: 25 }, async (_, j) => {
      const t = await createTenant(prisma, { name: `Bench spread ${i + j}` }, 'bench');
      await credit(deps, { tenantId: t.id, kind: 'adjustment', amountCents: 1_000_000n, description: 'bench funds' });
      return t.id;
    }))));
  }
  let next = 0;
  const spread = await runClients(() => debit(deps, { tenantId: tenants[next++ % tenants.length], kind: 'action_fee', amountCents: 1n, description: 'bench' }));
  const [{ bad }] = await prisma.$queryRaw<{ bad: bigint }[]>`
    SELECT count(*) AS bad FROM tenants t WHERE t.balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE tenant_id = t.id)`;
  return {
    scenario: '32 clients debiting 1,000 tenants (ledger)', baseline: 'the same debit on one tenant (row above)', gatewayRps: spread.rps, baselineRps: oneTenant.gatewayRps,
    ratio: spread.rps / oneTenant.gatewayRps, p50: spread.p50, p99: spread.p99, errors: 0, goal: '≥ 3× the one-tenant rate, balance == sum(ledger) everywhere',
    pass: spread.rps / oneTenant.gatewayRps >= 3 && bad === 0n,
  };
}

/** Cold start on an initialised embedded database, and idle memory: absolute goals, not ratios. */
async function startupRow(): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'voepy-bench-start-'));
  chmodSync(dataDir, 0o755);
  try {
    await measureStartup(join(dist, 'src/main.js'), dataDir); // initialises the database
    const { readyMs, idleRssMiB } = await measureStartup(join(dist, 'src/main.js'), dataDir);
    return {
      scenario: `cold start on an initialised embedded database (idle RSS ${idleRssMiB.toFixed(0)} MiB)`, baseline: 'goal: 5,000 ms, 250 MiB', gatewayRps: readyMs, baselineRps: 5_000,
      ratio: readyMs / 5_000, p50: readyMs, p99: readyMs, errors: 0, goal: 'ready ≤ 5 s, idle RSS ≤ 250 MiB', pass: readyMs <= 5_000 && idleRssMiB <= 250,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function row(scenario: string, baseline: string, g: Awaited<ReturnType<typeof load>>, b: Awaited<ReturnType<typeof load>>, goal: string, pass: boolean): Row {
  return { scenario, baseline, gatewayRps: g.rps, baselineRps: b.rps, ratio: g.rps / b.rps, p50: g.p50, p99: g.p99, errors: g.errors, goal, pass };
}

/** 32 clients calling `one` in a loop for the scenario's duration. */
async function runClients(one: () => Promise<unknown>) {
  const end = Date.now() + DURATION * 1000;
  let count = 0;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      await one();
      latencies.push(performance.now() - t0);
      count++;
    }
  }));
  latencies.sort((a, b) => a - b);
  return { rps: count / DURATION, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, errors: 0 };
}

/** 32 clients debiting one tenant: the ledger transaction the gateway uses vs the same thing as raw SQL. */
async function ledgerRow(url: string, prisma: ReturnType<typeof createPrismaClient>, deps: Parameters<typeof debit>[0], tenantId: string): Promise<Row> {
  const gateway = await runClients(() => debit(deps, { tenantId, kind: 'action_fee', amountCents: 1n, description: 'bench' }));
  const pool = new Pool({ connectionString: url, max: 40 });
  const baseline = await runClients(async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query('UPDATE tenants SET balance_cents = balance_cents - 1 WHERE id = $1 AND balance_cents + credit_limit_cents - held_cents >= 1 RETURNING balance_cents', [tenantId]);
      await client.query(`INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description) VALUES ($1, 'action_fee', -1, $2, 'raw')`, [tenantId, rows[0].balance_cents]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });
  await pool.end();
  const [{ ok }] = await prisma.$queryRaw<{ ok: boolean }[]>`SELECT t.balance_cents = (SELECT sum(amount_cents) FROM ledger_entries WHERE tenant_id = t.id) AS ok FROM tenants t WHERE t.id = ${tenantId}::uuid`;
  return row('32 clients debiting one tenant (ledger)', 'the same debit as raw SQL (BEGIN/UPDATE/INSERT/COMMIT)', gateway, baseline, '≥ 50% of baseline, balance == sum(ledger)', gateway.rps / baseline.rps >= 0.5 && ok);
}

function write(rows: Row[]) {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const lines = [
    `# Benchmark results (${quick ? 'quick' : 'full'} mode, ${DURATION} s per load, ${new Date().toISOString()})`,
    '',
    '| scenario | baseline | gateway req/s | baseline req/s | ratio | p50 ms | p99 ms | errors | goal | pass |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.baseline} | ${fmt(r.gatewayRps)} | ${fmt(r.baselineRps)} | ${r.ratio.toFixed(2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${r.goal} | ${r.pass ? 'pass' : 'FAIL'} |`),
    '',
  ];
  writeFileSync(join(projectRoot(), 'bench', 'results.md'), lines.join('\n'));
  writeFileSync(join(projectRoot(), 'bench', 'results.json'), JSON.stringify(rows, null, 2));
  process.stdout.write(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
