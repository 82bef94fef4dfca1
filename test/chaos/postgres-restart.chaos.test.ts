import { writeFileSync } from 'node:fs';
import { drive, Outcome, Traffic, TrafficTenant, setUpTenants } from '../../bench/traffic/mixed-traffic';
import { checkInvariants, summarize } from '../../bench/traffic/invariants';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { OwnPostgres, startOwnPostgres } from './servers';
import { FAST_RECOVERY_ENV, settled, sleep } from './support';

// PostgreSQL stopped under load, then started again, with the gateway left running. The gateway runs on a
// PostgreSQL of this test's own (the machine's shared one is never stopped). While the database is gone every
// request answers promptly with 503 service_unavailable and Retry-After (REST) or that code in the GraphQL
// error's extensions, never a 500 and never a hang; once it is back the pool reconnects by itself, and nothing
// half-written remains.

/** A probe that got no answer at all: says whether the gateway is still running, and what it logged last. */
function unanswered(gateway: GatewayProcess) {
  return (err: Error): never => {
    const { exitCode, signalCode } = gateway.child;
    throw new Error(`no answer (${err.message}; ${String((err as { cause?: Error }).cause?.message ?? '')}); gateway exit code ${exitCode}, signal ${signalCode}; its last output:\n${gateway.output().slice(-6000)}`);
  };
}

/** No answer within this long counts as a hang. */
const ANSWER_WITHIN_MS = 15_000;

async function probe(url: string, key: string, kind: 'rest-read' | 'rest-write' | 'graphql', n: number) {
  const started = Date.now();
  const common = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const init: RequestInit =
    kind === 'rest-read'
      ? { method: 'GET', headers: common }
      : kind === 'rest-write'
        ? { method: 'POST', headers: { ...common, 'idempotency-key': `pg-down-${n}` }, body: JSON.stringify({ name: `made while down ${n}` }) }
        : { method: 'POST', headers: common, body: JSON.stringify({ query: '{ account { balance { amountCents } } }' }) };
  const path = kind === 'rest-read' ? '/v1/account' : kind === 'rest-write' ? '/v1/connections' : '/graphql';
  const res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
  const body = (await res.json()) as any;
  return { kind, status: res.status, retryAfter: res.headers.get('retry-after'), code: kind === 'graphql' ? body.errors?.[0]?.extensions?.code : body.error?.code, ms: Date.now() - started, data: body.data };
}

describe('PostgreSQL restarted under load', () => {
  let pg: OwnPostgres;
  let prisma: PrismaClient;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    pg = await startOwnPostgres();
  });
  afterAll(async () => {
    await gateway?.kill();
    await prisma?.$disconnect();
    await pg?.destroy();
  });

  it('answers 503 service_unavailable while it is down, recovers by itself, and leaves nothing half-written', async () => {
    gateway = await startGatewayProcess(pg.url, FAST_RECOVERY_ENV);
    prisma = createPrismaClient({ url: pg.url, poolSize: 2 });
    const tenants: TrafficTenant[] = await setUpTenants({ prisma, gatewayUrl: gateway.url, count: 3, label: 'pg-restart' });
    const key = tenants[0].key;
    const traffic = new Traffic({ baseUrl: gateway.url, timeoutMs: ANSWER_WITHIN_MS });

    let phase: 'up' | 'down' | 'back' = 'up';
    const duringOutage: Outcome[] = [];
    const load = drive(traffic, tenants, { clients: 4, until: () => phase === 'back', weights: { topup: 0 }, pauseMs: 20 });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && traffic.outcomes.filter((o) => o.kind === 'call' && o.status === 201).length < 5) await sleep(100);

    const seenBefore = traffic.outcomes.length;
    await pg.stop('fast');
    phase = 'down';
    // Requests of every door while it is down: each is answered, promptly, with the spec's code.
    const probes = [];
    for (let i = 0; i < 3; i++) {
      for (const kind of ['rest-read', 'rest-write', 'graphql'] as const) probes.push(await probe(gateway.url, key, kind, i).catch(unanswered(gateway)));
      await sleep(500);
    }
    await pg.start();
    phase = 'back';
    await load;
    duringOutage.push(...traffic.outcomes.slice(seenBefore));
    // CHAOS_GATEWAY_LOG=<file> keeps what the gateway logged, to see why a request failed.
    if (process.env.CHAOS_GATEWAY_LOG) writeFileSync(process.env.CHAOS_GATEWAY_LOG, gateway.output());

    for (const p of probes) {
      expect(p).toMatchObject({ code: 'service_unavailable' });
      if (p.kind !== 'graphql') expect(p).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    }
    // The load's own requests caught by the outage: answered (no hang), and never a 500.
    expect(duringOutage.filter((o) => o.status === undefined)).toEqual([]);
    expect(duringOutage.filter((o) => o.status === 500)).toEqual([]);
    for (const o of duringOutage.filter((x) => x.status === 503)) expect(o.response?.error?.code).toBe('service_unavailable');

    // Back without a restart of the gateway: the pool reconnects on its own.
    let again = await probe(gateway.url, key, 'rest-read', 99).catch(() => undefined);
    for (let i = 0; i < 60 && again?.status !== 200; i++) {
      await sleep(500);
      again = await probe(gateway.url, key, 'rest-read', 99).catch(() => undefined);
    }
    expect(again?.status).toBe(200);
    expect((await probe(gateway.url, key, 'graphql', 99)).data?.account?.balance?.amountCents).toEqual(expect.any(Number));
    const write = await probe(gateway.url, key, 'rest-write', 100);
    expect(write.status).toBe(201);
    const more = Date.now() + 2000;
    await drive(traffic, tenants, { clients: 2, until: () => Date.now() > more, weights: { topup: 0 } });

    const found = await settled(() => checkInvariants(pg.url, traffic.outcomes, { tenantIds: tenants.map((t) => t.tenantId) }), 60_000);
    process.stdout.write(`PostgreSQL restart: ${JSON.stringify({ load: summarize(traffic.outcomes), outage: summarize(duringOutage), probes })}\n`);
    expect(found).toEqual([]);
    expect(gateway.child.exitCode).toBeNull();
  }, 240_000);
});
