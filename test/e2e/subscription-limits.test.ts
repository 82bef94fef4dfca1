import { randomUUID } from 'node:crypto';
import { Client } from 'graphql-ws';
import { bearer, createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { wsClient } from '../helpers/ws';
import { balanceNotice } from '../helpers/subscribers';

// Live GraphQL subscriptions are bounded per WebSocket and per tenant; over a limit the new one is refused with
// rate_limited and a message naming the limit, and completing or closing frees the room.

type Outcome = { refused?: { code: string; message: string } };

/**
 * Starts a subscription. Its outcome is known only from the server: refused when an error arrives, accepted when
 * a probe event published to its tenant reaches it (so it is live), never from a pause that a loaded machine
 * could outlast.
 */
function start(client: Client, query = 'subscription { eventRecorded { id } }'): { outcome: Promise<Outcome>; stop: () => void } {
  let stop = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    stop = client.subscribe(
      { query },
      {
        next: () => resolve({}),
        error: (errors) => {
          const first = (errors as { message: string; extensions?: { code: string } }[])[0];
          resolve({ refused: { code: first.extensions?.code ?? 'none', message: first.message } });
        },
        complete: () => {},
      },
    );
  });
  return { outcome, stop: () => stop() };
}

describe('GraphQL subscription limits', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ wsMaxSubscriptionsPerSocket: 2, wsMaxSubscriptionsPerTenant: 3 });
  });
  afterAll(() => gw.close());

  /** Publishes probe events to the tenant's streams until the subscription's outcome is known. */
  async function outcomeOf(sub: { outcome: Promise<Outcome> }, tenantId: string): Promise<Outcome> {
    let known = false;
    const probing = (async () => {
      while (!known) {
        gw.pubSub.publish('BALANCE_CHANGED', tenantId, balanceNotice(tenantId));
        gw.pubSub.publish('EVENT_RECORDED', tenantId, {
          id: randomUUID(), type: 'probe', occurred_at: new Date().toISOString(), sequence: 1,
          resource_type: 'probe', resource_id: randomUUID(), connection_id: null, data: {},
        });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const outcome = await sub.outcome;
    known = true;
    await probing;
    return outcome;
  }

  /** A new subscription, tried again while refused for up to 10 s: for room the server frees asynchronously. */
  async function acceptedSoon(client: Client, tenantId: string): Promise<Outcome> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const sub = start(client);
      const outcome = await outcomeOf(sub, tenantId);
      if (!outcome.refused || Date.now() > deadline) return outcome;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('refuses past the per-connection and per-tenant limits with a clear error, and frees room on complete and close', async () => {
    const t = await createTestTenant(gw.prisma);
    const other = await createTestTenant(gw.prisma);
    const one = wsClient(gw.wsUrl, bearer(t.key));
    const two = wsClient(gw.wsUrl, bearer(t.key));
    const elsewhere = wsClient(gw.wsUrl, bearer(other.key));
    try {
      const a = start(one);
      const b = start(one, 'subscription { balanceChanged { balance { amountCents } } }');
      expect(await outcomeOf(a, t.tenantId)).toEqual({});
      expect(await outcomeOf(b, t.tenantId)).toEqual({});
      const c = await outcomeOf(start(one), t.tenantId);
      expect(c.refused?.code).toBe('rate_limited');
      expect(c.refused?.message).toMatch(/connection already has 2 active subscriptions.*\(2\)/);

      // Completing one frees its place on the socket, as soon as the server has handled the complete.
      a.stop();
      expect(await acceptedSoon(one, t.tenantId)).toEqual({});

      // The tenant holds 2 on the first socket; its third on another socket is fine, the fourth is refused.
      expect(await outcomeOf(start(two), t.tenantId)).toEqual({});
      const overTenant = await outcomeOf(start(two), t.tenantId);
      expect(overTenant.refused?.code).toBe('rate_limited');
      expect(overTenant.refused?.message).toMatch(/account already has 3 active subscriptions.*\(3\)/);
      // Another tenant is not affected.
      expect(await outcomeOf(start(elsewhere), other.tenantId)).toEqual({});

      // Closing the first socket gives its subscriptions back to the tenant, once the server saw it close.
      await one.dispose();
      expect(await acceptedSoon(two, t.tenantId)).toEqual({});
    } finally {
      await one.dispose();
      await two.dispose();
      await elsewhere.dispose();
    }
  });
});
