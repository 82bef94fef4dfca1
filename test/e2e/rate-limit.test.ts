import { createTestTenant, gql, rest, startTestGateway, TestGateway } from '../helpers/gateway';
import { Redis } from 'ioredis';

describe('rate limits per API key', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ rateLimitPoints: 5, rateLimitWindowSeconds: 60 });
  });
  afterAll(() => gw.close());

  it('answers the request past the budget with 429 rate_limited, Retry-After and RateLimit headers', async () => {
    const t = await createTestTenant(gw.prisma);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await rest(gw.url, 'GET', '/v1/account', { key: t.key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.body.error.code).toBe('rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-limit')).toBe('5');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    // GraphQL shares the key's budget.
    const g = await gql(gw.url, '{ quota { concurrentCallCap } }', { key: t.key });
    expect(g.status).toBe(429);
    expect(g.body.errors[0].extensions.code).toBe('rate_limited');
  });

  it('counts each key separately', async () => {
    const a = await createTestTenant(gw.prisma);
    const b = await createTestTenant(gw.prisma);
    for (let i = 0; i < 5; i++) await rest(gw.url, 'GET', '/v1/account', { key: a.key });
    expect((await rest(gw.url, 'GET', '/v1/account', { key: a.key })).status).toBe(429);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: b.key })).status).toBe(200);
  });
});

describe('rate limits through Redis, shared by two gateway instances', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let available = false;
  beforeAll(async () => {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    available = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    if (!available) process.stderr.write(`\n!!! Redis not reachable at ${redisUrl}: the shared rate-limit test did not run.\n\n`);
  });

  it('one budget across instances', async () => {
    if (!available) return;
    const one = await startTestGateway({ rateLimitPoints: 4, rateLimitWindowSeconds: 60, redisUrl });
    const two = await startTestGateway({ rateLimitPoints: 4, rateLimitWindowSeconds: 60, redisUrl });
    try {
      const t = await createTestTenant(one.prisma);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await rest(i % 2 ? two.url : one.url, 'GET', '/v1/account', { key: t.key })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
