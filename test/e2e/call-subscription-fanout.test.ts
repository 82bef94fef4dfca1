import { createGatewayPubSub, PubSub } from '../../src/platform/pubsub';
import { createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { wsClient } from '../helpers/ws';

// callStatusChanged fan-out: every subscriber of the tenant gets the event with the instant it committed, and the
// event is executed once for subscribers with the same selection (the call it points at and what the selection
// reaches from it are read once per event, not once per subscriber). In one process, and through Redis with the
// event published by another instance's pub/sub: there each instance parses its own copy of the event, once, and
// hands that one object to every subscriber, which is what the sharing is keyed by.

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.each([
  ['in one process', undefined],
  ['through Redis, published by another instance', redisUrl],
])('%s', (_label, viaRedis) => {
  let gw: TestGateway;
  /** Where the events are published: the gateway's own pub/sub, or another instance's on the same Redis. */
  let publisher: PubSub;

  beforeEach(async () => {
    gw = await startTestGateway(viaRedis ? { redisUrl: viaRedis } : {});
    publisher = viaRedis ? createGatewayPubSub(viaRedis) : gw.pubSub;
  });

  afterEach(async () => {
    if (publisher !== gw.pubSub) await publisher.close();
    await gw.close();
  });

  type Received = { data: { callStatusChanged: { eventId: string; committedAt: string; call: { id: string; status: string; to: string; phoneNumber: { e164: string } } } } };

  it('five subscribers of one tenant get the event with its commit instant; the call and its number are read once per event', async () => {
    const t = await createTestTenant(gw.prisma);
    const did = await gw.prisma.phoneNumber.create({
      data: { tenantId: t.tenantId, e164: '+15125550100', countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
    });
    const call = await gw.prisma.call.create({
      data: {
        phoneNumberId: did.id, tenantId: t.tenantId, fromNumber: '+15125550100', toNumber: '+15125550142', destinationCountry: 'US', ratePrefix: '1',
        carrierCostPerMinuteMillicents: 450, status: 'ringing', queuedAt: new Date(),
      },
    });
    const clients = Array.from({ length: 5 }, () => wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` }));
    const received: Received['data']['callStatusChanged'][][] = clients.map(() => []);
    clients.forEach((c, i) =>
      c.subscribe<Received['data']>(
        { query: 'subscription { callStatusChanged { eventId committedAt call { id status to phoneNumber { e164 } } } }' },
        { next: (v) => void received[i].push(v.data!.callStatusChanged), error: () => undefined, complete: () => undefined },
      ),
    );
    const publish = (eventId: string, committedAt: string) =>
      publisher.publish('CALL_STATUS_CHANGED', t.tenantId, { tenantId: t.tenantId, callId: call.id, status: 'ringing', eventId, eventType: 'call.ringing', sequence: 2, occurredAt: committedAt, committedAt });
    const until = async (done: () => boolean) => {
      for (let i = 0; !done(); i++) {
        if (i > 300) throw new Error(`not every subscriber got its event: ${received.map((r) => r.length)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // Primed until every subscription is registered (each has had an event), then the event that is measured.
    let lastPrimed = '';
    for (let i = 0; received.some((r) => r.length === 0); i++) {
      if (i > 100) throw new Error('the subscriptions never registered');
      lastPrimed = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      publish(lastPrimed, new Date().toISOString());
      await new Promise((r) => setTimeout(r, 200));
    }
    // Each subscriber gets its events in order: once each has the last priming event, none is still on its way.
    await until(() => received.every((r) => r.at(-1)?.eventId === lastPrimed));
    received.forEach((r) => r.splice(0));

    const committedAt = new Date().toISOString();
    const before = gw.statements.length;
    publish('00000000-0000-4000-8000-0000000000e1', committedAt);
    await until(() => received.every((r) => r.length >= 1));

    expect(received).toEqual(Array(5).fill([{ eventId: '00000000-0000-4000-8000-0000000000e1', committedAt, call: { id: call.id, status: 'ringing', to: '+15125550142', phoneNumber: { e164: '+15125550100' } } }]));
    // Prisma's statements name "public"."table"; the hand-written reads (platform/db/sql.ts) name the bare table.
    const reads = (table: string) => gw.statements.slice(before).filter((sql) => new RegExp(`FROM ("public"\\.)?"?${table}"? `).test(sql)).length;
    expect([reads('calls'), reads('phone_numbers')]).toEqual([1, 1]);

    // The next event reads again: nothing of the previous event's reads is served from a cache.
    await gw.prisma.phoneNumber.update({ where: { id: did.id }, data: { e164: '+15125550199' } });
    publish('00000000-0000-4000-8000-0000000000e2', new Date().toISOString());
    await until(() => received.every((r) => r.length >= 2));
    expect(received.map((r) => r[1].call.phoneNumber.e164)).toEqual(Array(5).fill('+15125550199'));
    await Promise.all(clients.map((c) => c.dispose()));
  });
});
