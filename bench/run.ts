import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { debit } from '../src/billing/ledger.service';
import { systemClock } from '../src/platform/clock';
import { createPrismaClient } from '../src/platform/db/client';
import { startEmbeddedPostgres } from '../src/platform/db/embedded';
import { migrate } from '../src/platform/db/migrator';
import { projectRoot } from '../src/platform/db/project-root';
import { createGatewayPubSub } from '../src/platform/pubsub';
import { DURATION, load, quick, Row, row, runClients, startProcess, Started, stopProcess } from './harness';
import { benchTenant, CALLS_QUERY, NUMBERS_QUERY, seedLists } from './seed';
import { statementsOf } from './scenarios/statements';
import { measureStartup } from './scenarios/startup';
import { queryRows } from './scenarios/queries';
import { placementRow } from './scenarios/placement';
import { replayRow } from './scenarios/replay';
import { measureBaseline, measureGateway, subscriptionRow, subscriptionTenant } from './scenarios/subscriptions';

// `npm run bench [-- --quick]`: starts the gateway and the baselines as separate processes on one PostgreSQL,
// loads each with autocannon over loopback (bounded in time or requests), and writes bench/results.md and
// results.json. Every figure that matters is a ratio against a baseline measured in the same run.

const dist = join(projectRoot(), 'dist');
const begun = Date.now();
/** `--only=placement,replay`: just those scenarios (while working on them); results.md then holds only their rows. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const want = (scenario: 'queries' | 'placement' | 'replay' | 'subscriptions' | 'ledger' | 'startup') => !only || only.includes(scenario);
/** Progress on stderr, with the seconds since start (the whole run must fit its mode's time budget). */
const progress = (what: string) => process.stderr.write(`[bench +${((Date.now() - begun) / 1000).toFixed(0)} s] ${what}\n`);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every gateway under test: calls the simulator plays finish in well under a second of real time per minute. */
const GATEWAY_ENV = { CARRIER_TIME_SCALE: '0.01', WS_MAX_SUBSCRIPTIONS_PER_TENANT: '1000000' };
/** `BENCH_CPU_PROF=dir`: the gateway processes write V8 CPU profiles there (for the README's gap analysis). */
const PROFILE_ARGS = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

async function main() {
  const started = Date.now();
  const embeddedDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'voepy-bench-'));
  if (embeddedDir) chmodSync(embeddedDir, 0o755);
  const embedded = embeddedDir ? await startEmbeddedPostgres({ dataDir: join(embeddedDir, 'pg') }) : undefined;
  const url = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(url);
  const prisma = createPrismaClient({ url, poolSize: 40 });
  const deps = { db: prisma, pubSub: createGatewayPubSub(), clock: systemClock };
  const { tenantId, key } = await benchTenant(prisma, deps, 'Bench Co');

  const env = { DATABASE_URL: url };
  const startGateway = (extra: Record<string, string> = {}) => startProcess(join(dist, 'src/main.js'), { ...env, ...GATEWAY_ENV, ...extra }, PROFILE_ARGS);
  const gateway = await startGateway();
  const raw = await startProcess(join(dist, 'bench/baselines/raw-account-server.js'), env);
  const plain = await startProcess(join(dist, 'bench/baselines/graphql-js-server.js'), env);
  const rawLists = await startProcess(join(dist, 'bench/baselines/raw-lists-server.js'), env);
  const rows: Row[] = [];
  const auth = { authorization: `Bearer ${key}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const stopAll: Started[] = [gateway, raw, plain, rawLists];
  try {
    if (want('queries')) {
      await seedLists(prisma, deps, tenantId);
      const phoneNumber = await prisma.phoneNumber.findFirstOrThrow({ where: { tenantId }, select: { id: true } });
      const queries = await queryRows({ gatewayPort: gateway.port, plainPort: plain.port, key, phoneNumberId: phoneNumber.id });
      rows.push(...queries.rows);
      progress('queries');
      const gql = queries.accountPeak;

      const rest = await load({ url: `http://127.0.0.1:${gateway.port}/v1/account`, connections: 50, headers: auth });
      const rawBase = await load({ url: `http://127.0.0.1:${raw.port}/account`, connections: 50, headers: auth });
      rows.push(row('GET /v1/account, 50 connections', 'raw pg on node:http', rest, rawBase, 'informative', true));
      rows.push(row('GET /v1/account vs the same GraphQL query', 'the gateway’s GraphQL `account`', rest, gql, 'REST costs ≤ 10% (ratio ≥ 0.9)', rest.rps / gql.rps >= 0.9));

      for (const [name, query, path] of [['100 numbers with connection and emergency address', NUMBERS_QUERY, '/numbers'], ['100 calls with number, connection and charge', CALLS_QUERY, '/calls']] as const) {
        const statements = await statementsOf(url, tenantId, query);
        const body = JSON.stringify({ query });
        const g = await load({ url: `http://127.0.0.1:${gateway.port}/graphql`, connections: 10, headers: json, method: 'POST', body });
        const b = await load({ url: `http://127.0.0.1:${rawLists.port}${path}`, connections: 10, headers: auth });
        progress(name);
        rows.push(row(`${name} (GraphQL, ${statements} SQL statements)`, 'hand-written raw pg: the page + one query for what it points at', g, b, `≤ 4 statements, ≥ 50% of baseline`, statements <= 4 && g.rps / b.rps >= 0.5 && g.errors === 0));
      }
    }
    for (const p of [raw, rawLists, plain]) await stopProcess(p);

    if (want('placement')) {
      const peak = await placementRow(prisma, deps, gateway.port, true);
      rows.push(peak);
      // The way the query rows measure latency: a fixed rate the gateway can carry, 70% of its own closed-loop peak.
      rows.push(await placementRow(prisma, deps, gateway.port, true, Math.max(1, Math.floor(peak.gatewayRps * 0.7))));
      rows.push(await placementRow(prisma, deps, gateway.port, false));
      progress('placement');
    }
    if (want('replay')) {
      rows.push(await replayRow(prisma, deps, gateway.port));
      progress('replay');
    }
    if (want('subscriptions')) {
      rows.push(...(await subscriptionRows(prisma, deps, gateway, startGateway, env)));
      progress('subscriptions');
    }
    if (want('ledger')) {
      // The ledger rows call debit() from this process: the gateway's idle work (job polling, heartbeats) would
      // only share the two cores with them.
      await stopProcess(gateway);
      rows.push(await ledgerRow(url, prisma, deps, tenantId));
      rows.push(await ledgerSpreadRow(prisma, deps, rows[rows.length - 1]));
      progress('ledger');
    }
  } finally {
    for (const p of stopAll) await stopProcess(p);
    await prisma.$disconnect();
    await embedded?.stop();
    if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
  }
  if (want('startup')) rows.push(await startupRow());
  write(rows, (Date.now() - started) / 1000);
}

/**
 * Subscribers and transitions on the one gateway (in-memory pub/sub); then subscribers on instance B and calls
 * placed on instance A, both on Redis; and the raw ws broadcast baseline with the same sockets and payload.
 */
async function subscriptionRows(prisma: ReturnType<typeof createPrismaClient>, deps: Parameters<typeof debit>[0], gateway: Started, startGateway: (extra?: Record<string, string>) => Promise<Started>, env: Record<string, string>): Promise<Row[]> {
  const t = await subscriptionTenant(prisma, deps);
  const one = await measureGateway(prisma, t, gateway.port, gateway.port);
  progress('subscriptions, one process');
  const a = await startGateway({ REDIS_URL });
  const b = await startGateway({ REDIS_URL });
  let two;
  try {
    two = await measureGateway(prisma, t, a.port, b.port);
  } finally {
    await stopProcess(a);
    await stopProcess(b);
  }
  progress('subscriptions, two instances');
  const broadcaster = await startProcess(join(dist, 'bench/baselines/raw-ws-broadcast-server.js'), env);
  let base;
  try {
    base = await measureBaseline(prisma, t, broadcaster.port);
  } finally {
    await stopProcess(broadcaster);
  }
  return [subscriptionRow('one process', one, base, 100), subscriptionRow('two instances through Redis (subscribers on B, calls on A)', two, base, 150)];
}

/** The ledger debit spread over 1,000 tenants: row locks no longer serialise it, so it should scale (≥ 3×). */
async function ledgerSpreadRow(prisma: ReturnType<typeof createPrismaClient>, deps: Parameters<typeof debit>[0], oneTenant: Row): Promise<Row> {
  // 1,000 funded tenants in two statements (the row is about debiting them, not creating them): each gets its
  // funds as one ledger entry, so balance == sum(ledger) holds from the start.
  const created = await prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO tenants (name, balance_cents) SELECT 'Bench spread ' || i, 1000000 FROM generate_series(1, 1000) AS i RETURNING id::text`;
  const tenants = created.map((t) => t.id);
  await prisma.$executeRaw`
    INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, description)
    SELECT unnest(${tenants}::uuid[]), 'adjustment', 1000000, 1000000, 'bench funds'`;
  let next = 0;
  const spread = await runClients(() => debit(deps, { tenantId: tenants[next++ % tenants.length], kind: 'action_fee', amountCents: 1n, description: 'bench' }));
  const [{ bad }] = await prisma.$queryRaw<{ bad: bigint }[]>`
    SELECT count(*) AS bad FROM tenants t WHERE t.balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE tenant_id = t.id)`;
  return {
    scenario: '32 clients debiting 1,000 tenants (ledger)', baseline: 'the same debit on one tenant (row above)', gatewayRps: spread.rps, baselineRps: oneTenant.gatewayRps,
    ratio: spread.rps / oneTenant.gatewayRps, p50: spread.p50, p99: spread.p99, errors: spread.errors, goal: '≥ 3× the one-tenant rate, balance == sum(ledger) everywhere',
    pass: spread.rps / oneTenant.gatewayRps >= 3 && bad === 0n && spread.errors === 0,
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
  return row('32 clients debiting one tenant (ledger)', 'the same debit as raw SQL (BEGIN/UPDATE/INSERT/COMMIT)', gateway, baseline, '≥ 50% of baseline, balance == sum(ledger)', gateway.rps / baseline.rps >= 0.5 && ok && gateway.errors === 0);
}

function write(rows: Row[], seconds: number) {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const lines = [
    `# Benchmark results (${quick ? 'quick' : 'full'} mode, ${DURATION} s per load, ${seconds.toFixed(0)} s in all${only ? `, only ${only.join(', ')}` : ''}, ${new Date().toISOString()})`,
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
