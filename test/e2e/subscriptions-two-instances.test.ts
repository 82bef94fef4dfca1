import { Redis } from 'ioredis';
import { credit } from '../../src/billing/ledger.service';
import { systemClock } from '../../src/platform/clock';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { systemActor } from '../../src/platform/auth/scopes';
import { createApiKey } from '../../src/tenants/tenant.service';
import { testDatabaseUrl, truncateAll } from '../helpers/database';
import { bearer, createTestTenant, rest } from '../helpers/gateway';
import { GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { balanceNotice, untilRedisSubscribed } from '../helpers/subscribers';
import { collect, wsClient } from '../helpers/ws';

// Two gateway processes on one database and one Redis, as behind a load balancer: a change made through one
// reaches GraphQL subscribers connected to the other, and only the subscribers of the change's tenant.

describe('subscriptions across two gateway instances (REDIS_URL)', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let available = false;
  let prisma: PrismaClient;
  let one: GatewayProcess | undefined;
  let two: GatewayProcess | undefined;

  beforeAll(async () => {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    available = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    if (!available) {
      process.stderr.write(`\n!!! Redis not reachable at ${redisUrl}: the two-instance subscription test did not run.\n\n`);
      return;
    }
    const databaseUrl = await testDatabaseUrl();
    await truncateAll(databaseUrl);
    prisma = createPrismaClient({ url: databaseUrl, poolSize: 3 });
    // The periodic key re-check far away: a revocation must reach the other instance's sockets as a notice.
    const env = { REDIS_URL: redisUrl, WS_KEY_RECHECK_MS: '600000' };
    [one, two] = await Promise.all([startGatewayProcess(databaseUrl, env), startGatewayProcess(databaseUrl, env)]);
  }, 90_000);
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await prisma?.$disconnect();
  });

  it('subscribed on one instance, the change made through the other arrives; another tenant sees nothing', async () => {
    if (!available) return;
    const deps = { db: prisma, pubSub: createGatewayPubSub(), clock: systemClock };
    const a = await createTestTenant(prisma, { name: 'A' });
    const b = await createTestTenant(prisma, { name: 'B' });
    await credit(deps, { tenantId: a.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });

    const clientA = wsClient(one!.wsUrl, bearer(a.key));
    const clientB = wsClient(one!.wsUrl, bearer(b.key));
    try {
      const balance = collect<{ data: { balanceChanged: { balance: { amountCents: string } } } }>(clientA, 'subscription { balanceChanged { balance { amountCents } } }', 1, 15_000);
      const events = collect<{ data: { eventRecorded: { id: string; type: string; sequence: number; resourceId: string } } }>(
        clientA,
        'subscription { eventRecorded(types: ["number_order.completed", "number_order.failed"]) { id type sequence resourceType resourceId occurredAt } }',
        1,
        20_000,
      );
      const otherTenant = collect<unknown>(clientB, 'subscription { eventRecorded { id type } }', 1, 8_000);
      const otherOutcome = otherTenant.done.then(() => 'received an event', (err: Error) => err.message);
      // The other process authenticates the socket and registers the subscriptions on Redis asynchronously.
      await untilRedisSubscribed(redisUrl, [`BALANCE_CHANGED:${a.tenantId}`, `EVENT_RECORDED:${a.tenantId}`, `EVENT_RECORDED:${b.tenantId}`]);

      // Through the other instance: a billed lookup (a debit), then a number order the carrier activates there.
      const lookup = await rest(two!.url, 'GET', '/v1/numbers/lookup?phone_number=%2B15125550100&type=carrier', { key: a.key });
      expect(lookup.status).toBe(200);
      const [changed] = await balance.done;
      expect(Number(changed.data.balanceChanged.balance.amountCents)).toBe(10_000 - lookup.body.cost_cents);

      const search = await rest(two!.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&limit=1', { key: a.key });
      const order = await rest(two!.url, 'POST', '/v1/numbers/order', { key: a.key, body: { phone_numbers: [search.body.data[0].phone_number], country_code: 'US', number_type: 'local' } });
      expect(order.status).toBe(201);
      const [event] = await events.done;
      expect(event.data.eventRecorded).toMatchObject({ type: expect.stringMatching(/^number_order\.(completed|failed)$/), sequence: expect.any(Number), resourceId: order.body[0].id });
      // The same id as the outbox row (and as the webhook body would carry).
      const row = await prisma.event.findUniqueOrThrow({ where: { id: event.data.eventRecorded.id } });
      expect(row.tenantId).toBe(a.tenantId);

      expect(await otherOutcome).toBe('timed out with 0/1 events');
    } finally {
      await clientA.dispose();
      await clientB.dispose();
    }
  }, 60_000);

  it('a key revoked through one instance: its subscription on the other ends at once and receives nothing after', async () => {
    if (!available) return;
    const t = await createTestTenant(prisma);
    const doomed = await createApiKey(prisma, systemActor(t.tenantId, 'test'), { name: 'doomed', scopes: ['billing:read'] });
    const bus = createGatewayPubSub(redisUrl);
    const revokedClient = wsClient(one!.wsUrl, bearer(doomed.plaintext));
    const keptClient = wsClient(one!.wsUrl, bearer(t.key));
    try {
      const BALANCE = 'subscription { balanceChanged { balance { amountCents } } }';
      type Change = { data: { balanceChanged: { balance: { amountCents: string } } } };
      const revokedSub = collect<Change>(revokedClient, BALANCE, 1000, 30_000);
      const keptSub = collect<Change>(keptClient, BALANCE, 1000, 30_000);
      revokedSub.done.catch(() => undefined);
      keptSub.done.catch(() => undefined);
      // Each publish is marked by its balance: 100 before the revocation, 200 after it answered, 300 after the close.
      const publish = (mark: string) => bus.publish('BALANCE_CHANGED', t.tenantId, balanceNotice(t.tenantId, mark));
      const marks = (sub: { events: Change[] }) => sub.events.map((e) => String(e.data.balanceChanged.balance.amountCents));
      // Both subscriptions share one Redis channel, so its subscriber count cannot tell when the second is live:
      // publish until each has heard one.
      await until(() => (publish('100'), revokedSub.events.length >= 1 && keptSub.events.length >= 1), 15_000, 100);

      const started = Date.now();
      expect((await rest(two!.url, 'DELETE', `/v1/api-keys/${doomed.id}`, { key: t.key })).status).toBe(200);
      publish('200');
      const closed = await Promise.race([revokedClient.closed, new Promise((r) => setTimeout(() => r('still open'), 15_000))]);
      expect(closed).toEqual({ code: 4401, reason: 'invalid_credentials' });
      // Far inside WS_KEY_RECHECK_MS (600 000 here): the notice closed it, not the periodic re-check.
      expect(Date.now() - started).toBeLessThan(10_000);
      publish('300');
      await until(() => marks(keptSub).includes('300'));
      expect(marks(keptSub)).toContain('200');
      expect(marks(revokedSub).filter((m) => m !== '100')).toEqual([]);
    } finally {
      await revokedClient.dispose();
      await keptClient.dispose();
      await bus.close();
    }
  }, 60_000);
});

async function until(cond: () => boolean, ms = 10_000, everyMs = 20) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
