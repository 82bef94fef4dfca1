import { createTestTenant, gql, startTestGateway, TestGateway } from '../helpers/gateway';
import { Redis } from 'ioredis';
import { credit } from '../../src/billing/ledger.service';
import { systemClock } from '../../src/platform/clock';
import { collect, wsClient } from '../helpers/ws';
import { balanceNotice, untilRedisSubscribed } from '../helpers/subscribers';

describe('GraphQL: limits before execution', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ graphqlMaxDepth: 2, graphqlMaxComplexity: 6 });
  });
  afterAll(() => gw.close());

  it('refuses a query deeper than the limit with query_too_deep, before any resolver runs', async () => {
    const t = await createTestTenant(gw.prisma);
    gw.statements.length = 0;
    const r = await gql(gw.url, '{ account { tenant { id } } }', { key: t.key });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'query_too_deep', status: 400 });
    expect(r.body.data).toBeUndefined();
    // Only the authentication lookup (the key, its tenant's status) ran: no resolver touched the database.
    expect(gw.statements.filter((s) => !/FROM api_keys k JOIN tenants t/.test(s))).toEqual([]);
  });

  it('refuses an operation whose cost is over the limit with query_too_complex (aliases count)', async () => {
    const t = await createTestTenant(gw.prisma);
    const r = await gql(gw.url, '{ a: quota { concurrentCallCap } b: quota { concurrentCallCap } c: quota { concurrentCallCap } d: quota { concurrentCallCap } }', { key: t.key });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('query_too_complex');
    const ok = await gql(gw.url, '{ quota { concurrentCallCap } }', { key: t.key });
    expect(ok.body.data.quota.concurrentCallCap).toBe(25);
  });

  it('lets introspection through regardless of depth, without a key (the schema is public, like the OpenAPI document)', async () => {
    const r = await gql(gw.url, '{ __schema { queryType { name fields { name type { name ofType { name } } } } } }');
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.__schema.queryType.name).toBe('Query');
  });
});

describe('GraphQL subscriptions over graphql-ws', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  const BALANCE = 'subscription { balanceChanged { tenant { id } balance { amountCents } } }';

  it('delivers a tenant’s events to its subscribers only, with the key in connection_init', async () => {
    const a = await createTestTenant(gw.prisma, { name: 'A' });
    const b = await createTestTenant(gw.prisma, { name: 'B' });
    const clientA = wsClient(gw.wsUrl, { Authorization: `Bearer ${a.key}` });
    const clientB = wsClient(gw.wsUrl, { headers: { Authorization: `Bearer ${b.key}` } });
    try {
      const subA = collect<any>(clientA, BALANCE, 2);
      const subB = collect<any>(clientB, BALANCE, 1, 1500);
      await Promise.all([gw.untilSubscribed('BALANCE_CHANGED', a.tenantId), gw.untilSubscribed('BALANCE_CHANGED', b.tenantId)]);
      gw.pubSub.publish('BALANCE_CHANGED', a.tenantId, balanceNotice(a.tenantId));
      gw.pubSub.publish('BALANCE_CHANGED', a.tenantId, balanceNotice(a.tenantId));
      const events = await subA.done;
      expect(events.map((e) => e.data.balanceChanged.tenant.id)).toEqual([a.tenantId, a.tenantId]);
      await expect(subB.done).rejects.toThrow(/timed out with 0\/1/);
    } finally {
      await clientA.dispose();
      await clientB.dispose();
    }
  });

  it.each([
    ['no key', {}, 4401, 'authentication_required'],
    ['a bad key', { Authorization: 'Bearer vpk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 4401, 'invalid_credentials'],
  ])('closes a connection with %s (%i %s)', async (_n, params, code, reason) => {
    const client = wsClient(gw.wsUrl, params);
    const closed = await client.closed;
    expect(closed).toEqual({ code, reason });
    await client.dispose();
  });

  it('refuses a subscription the key has no scope for', async () => {
    const t = await createTestTenant(gw.prisma, { scopes: ['calls:read'] });
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    try {
      // graphql-ws answers a refused subscribe with one result carrying the error, then completes.
      const [result] = await collect<any>(client, BALANCE, 1).done;
      expect(result.data).toBeUndefined();
      expect(result.errors[0].extensions).toEqual({ code: 'forbidden', status: 403 });
    } finally {
      await client.dispose();
    }
  });
});

describe('subscriptions across two gateway instances through Redis', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  it('a change made through one instance reaches a subscriber of the other', async () => {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const available = await probe.connect().then(() => true, () => false);
    probe.disconnect();
    if (!available) {
      process.stderr.write(`\n!!! Redis not reachable at ${redisUrl}: the cross-instance subscription test did not run.\n\n`);
      return;
    }
    const one = await startTestGateway({ redisUrl });
    const two = await startTestGateway({ redisUrl });
    const t = await createTestTenant(one.prisma);
    const client = wsClient(one.wsUrl, { Authorization: `Bearer ${t.key}` });
    try {
      const sub = collect<any>(client, 'subscription { balanceChanged { tenant { id } balance { amountCents } } }', 1);
      await untilRedisSubscribed(redisUrl, [`BALANCE_CHANGED:${t.tenantId}`]);
      await credit({ db: two.prisma, pubSub: two.pubSub, clock: systemClock }, { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1234n, description: 'via two' });
      const [event] = await sub.done;
      expect(event.data.balanceChanged).toEqual({ tenant: { id: t.tenantId }, balance: { amountCents: 1234 } });
    } finally {
      await client.dispose();
      await one.close();
      await two.close();
    }
  });
});
