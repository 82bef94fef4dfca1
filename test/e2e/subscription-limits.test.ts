import { Client } from 'graphql-ws';
import { bearer, createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { wsClient } from '../helpers/ws';

// Live GraphQL subscriptions are bounded per WebSocket and per tenant; over a limit the new one is refused with
// rate_limited and a message naming the limit, and completing or closing frees the room.

type Outcome = { refused?: { code: string; message: string } };

/** Starts a subscription; resolves refused (with the error) or accepted (after a quiet moment). */
function start(client: Client, query = 'subscription { eventRecorded { id } }'): { outcome: Promise<Outcome>; stop: () => void } {
  let stop = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => resolve({}), 400);
    stop = client.subscribe(
      { query },
      {
        next: () => {},
        error: (errors) => {
          clearTimeout(timer);
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

  it('refuses past the per-connection and per-tenant limits with a clear error, and frees room on complete and close', async () => {
    const t = await createTestTenant(gw.prisma);
    const other = await createTestTenant(gw.prisma);
    const one = wsClient(gw.wsUrl, bearer(t.key));
    const two = wsClient(gw.wsUrl, bearer(t.key));
    const elsewhere = wsClient(gw.wsUrl, bearer(other.key));
    try {
      const a = start(one);
      const b = start(one, 'subscription { balanceChanged { balance { amountCents } } }');
      expect(await a.outcome).toEqual({});
      expect(await b.outcome).toEqual({});
      const c = await start(one).outcome;
      expect(c.refused?.code).toBe('rate_limited');
      expect(c.refused?.message).toMatch(/connection already has 2 active subscriptions.*\(2\)/);

      // Completing one frees its place on the socket.
      a.stop();
      await new Promise((r) => setTimeout(r, 200));
      const again = start(one);
      expect(await again.outcome).toEqual({});

      // The tenant holds 2 on the first socket; its third on another socket is fine, the fourth is refused.
      expect(await start(two).outcome).toEqual({});
      const overTenant = await start(two).outcome;
      expect(overTenant.refused?.code).toBe('rate_limited');
      expect(overTenant.refused?.message).toMatch(/account already has 3 active subscriptions.*\(3\)/);
      // Another tenant is not affected.
      expect(await start(elsewhere).outcome).toEqual({});

      // Closing the first socket gives its subscriptions back to the tenant.
      await one.dispose();
      await new Promise((r) => setTimeout(r, 300));
      expect(await start(two).outcome).toEqual({});
    } finally {
      await one.dispose();
      await two.dispose();
      await elsewhere.dispose();
    }
  });
});
