import { Client } from 'graphql-ws';
import { setUpTenants, TrafficTenant } from '../../bench/traffic/mixed-traffic';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { testDatabaseUrl, truncateAll } from '../helpers/database';
import { gql, rest } from '../helpers/gateway';
import { GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { wsClient } from '../helpers/ws';
import { OwnRedis, startOwnRedis } from './servers';
import { FAST_RECOVERY_ENV, sleep } from './support';

// Redis (pub/sub between instances, and the shared rate-limit budget) killed under a running gateway, then
// started again. Subscriptions end with service_unavailable instead of going silent, new ones are refused with
// that code while it is away; REST and GraphQL queries and mutations keep working (the rate limiter falls back to
// the instance's own memory); once Redis is back, new subscriptions receive events again.

const EVENTS = 'subscription { eventRecorded(types: ["call.initiated"]) { id type } }';

interface Stream {
  events: { id: string }[];
  /** Resolves with the error's codes, or 'complete'. */
  ended: Promise<string[] | 'complete'>;
  dispose(): void;
}

function stream(client: Client): Stream {
  const events: { id: string }[] = [];
  let dispose = () => undefined as void;
  const ended = new Promise<string[] | 'complete'>((resolve) => {
    dispose = client.subscribe<{ eventRecorded: { id: string } }>(
      { query: EVENTS },
      {
        next: (v) => v.data && events.push(v.data.eventRecorded),
        error: (err) => resolve(Array.isArray(err) ? err.map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? 'none') : [String(err)]),
        complete: () => resolve('complete'),
      },
    );
  });
  return { events, ended, dispose };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('Redis down', () => {
  let redis: OwnRedis;
  let prisma: PrismaClient;
  let gateway: GatewayProcess | undefined;
  const clients: Client[] = [];

  beforeAll(async () => {
    const databaseUrl = await testDatabaseUrl();
    await truncateAll(databaseUrl);
    prisma = createPrismaClient({ url: databaseUrl, poolSize: 2 });
    redis = await startOwnRedis();
    gateway = await startGatewayProcess(databaseUrl, { ...FAST_RECOVERY_ENV, REDIS_URL: redis.url, RATE_LIMIT_PER_WINDOW: '10000' });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await gateway?.kill();
    await redis?.kill();
    await prisma?.$disconnect();
  });

  const connect = () => {
    const c = wsClient(gateway!.wsUrl, { Authorization: `Bearer ${t.key}` });
    clients.push(c);
    return c;
  };
  let calls = 0;
  const placeCall = () => rest(gateway!.url, 'POST', '/v1/calls', { key: t.key, body: { from: t.did, to: `+1512555${String(100 + ++calls).padStart(4, '0')}` } });
  let t: TrafficTenant;

  it('ends subscriptions with service_unavailable, keeps the API up, and takes subscriptions again once back', async () => {
    [t] = await setUpTenants({ prisma, gatewayUrl: gateway!.url, count: 1, label: 'redis' });
    const live = stream(connect());
    await sleep(500);
    expect((await placeCall()).status).toBe(201);
    await until('an event through Redis', async () => (live.events.length ? true : undefined), 10_000);

    await redis.kill();
    // Not silence: the open subscription ends, with the code.
    expect(await Promise.race([live.ended, sleep(15_000).then(() => 'still open')])).toEqual(['service_unavailable']);

    // The API works without Redis: REST and GraphQL, reads and writes, and the rate limit still answers.
    const account = await rest(gateway!.url, 'GET', '/v1/account', { key: t.key });
    expect(account.status).toBe(200);
    expect(account.headers.get('ratelimit-limit')).toBe('10000');
    const q = await gql(gateway!.url, '{ account { balance { amountCents } } }', { key: t.key });
    expect(q.body.data.account.balance.amountCents).toEqual(expect.any(Number));
    expect((await placeCall()).status).toBe(201);
    // A new subscription is refused with the code while Redis is away.
    const refused = stream(connect());
    expect(await Promise.race([refused.ended, sleep(15_000).then(() => 'no answer')])).toEqual(['service_unavailable']);

    await redis.start();
    // Back: a new subscription gets the events of new changes again (the gateway was not restarted).
    const received = await until(
      'a subscription to work again',
      async () => {
        const again = stream(connect());
        await sleep(500);
        const made = await placeCall();
        expect(made.status).toBe(201);
        const got = await Promise.race([until('the event', async () => (again.events.length ? again.events : undefined), 3000).catch(() => undefined), again.ended.then(() => undefined)]);
        again.dispose();
        return got;
      },
      30_000,
    );
    expect(received.length).toBeGreaterThan(0);
    expect(gateway!.child.exitCode).toBeNull();
    expect(gateway!.output()).not.toMatch(/unhandled|uncaught/i);
  }, 120_000);
});
