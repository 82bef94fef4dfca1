import autocannon from 'autocannon';
import { createCarrierSimulator } from '../../src/carrier';
import { PrismaClient } from '../../src/platform/db/client';
import { ServiceDeps } from '../../src/platform/service-deps';
import { DURATION, quick, Row } from '../harness';
import { benchTenant } from '../seed';

// Number orders with Idempotency-Keys: first the originals (each key's first request: quote, NRC debit, pending
// rows, carrier submission), then the same requests again — same keys, same bodies — which must be answered
// from the stored responses. The replays' throughput against the originals'.

const ORDERS = quick ? 150 : 1_000;
const CONNECTIONS = 16;

export async function replayRow(prisma: PrismaClient, deps: ServiceDeps, gatewayPort: number): Promise<Row> {
  const { tenantId, key } = await benchTenant(prisma, deps, 'Bench number orders');
  const numbers = await orderableNumbers(prisma, ORDERS);
  const request = (i: number) => ({ key: `bench-order-${tenantId}-${i}`, body: JSON.stringify({ phone_numbers: [numbers[i]], country_code: 'US', number_type: 'local' }) });
  let next = 0;
  let replayed = 0;
  const opts = (bounds: { amount?: number; duration?: number }): autocannon.Options => ({
    url: `http://127.0.0.1:${gatewayPort}`,
    connections: CONNECTIONS,
    ...bounds,
    timeout: 60,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/v1/numbers/order',
        setupRequest: (req) => {
          const r = request(next++ % ORDERS);
          return { ...req, headers: { ...req.headers, 'idempotency-key': r.key }, body: r.body };
        },
        onResponse: (_status, _body, _context, headers) => {
          if ((headers?.['Idempotent-Replayed'] ?? headers?.['idempotent-replayed']) === 'true') replayed++;
        },
      },
    ],
  });
  // Each key once: every request does the whole order.
  const originals = await autocannon(opts({ amount: ORDERS }));
  const replayedByOriginals = replayed;
  const ordered = await numbersOf(prisma, tenantId);
  replayed = 0;
  next = 0;
  const replays = await autocannon(opts({ duration: DURATION }));
  const orderedAfter = await numbersOf(prisma, tenantId);
  const originalRps = originals.requests.total / originals.duration;
  const replayRps = replays.requests.total / replays.duration;
  const once = orderedAfter === ordered && ordered <= ORDERS;
  const allReplayed = replayed === replays['2xx'] && replayedByOriginals === 0 && once;
  return {
    scenario: `idempotent replay of a number order, ${CONNECTIONS} connections (${ORDERS} originals, ${ordered} numbers ordered; ${replayed}/${replays.requests.total} replays answered from the stored response${once ? ', nothing ordered twice' : `, ${orderedAfter} NUMBERS AFTER THE REPLAYS`})`,
    baseline: 'the original orders (same requests, first time)',
    gatewayRps: replayRps,
    baselineRps: originalRps,
    ratio: replayRps / originalRps,
    p50: replays.latency.p50,
    p99: replays.latency.p99,
    errors: replays.errors + replays.non2xx + replays.timeouts + originals.errors + originals.non2xx + originals.timeouts,
    goal: '≥ 2× the originals’ throughput, every replay from the stored response',
    pass: replayRps / originalRps >= 2 && allReplayed && replays.non2xx === 0,
  };
}

/** Numbers the tenant's orders created (one per key: no number twice, never more than the keys). */
async function numbersOf(prisma: PrismaClient, tenantId: string): Promise<number> {
  return prisma.phoneNumber.count({ where: { tenantId } });
}

/** US local numbers of the simulator's catalogue (the gateway's simulator has the same default seed) nobody owns. */
async function orderableNumbers(prisma: PrismaClient, count: number): Promise<string[]> {
  const sim = createCarrierSimulator({});
  try {
    const owned = new Set((await prisma.phoneNumber.findMany({ select: { e164: true } })).map((n) => n.e164));
    const free = sim.controls.allNumbers().filter((n) => n.countryCode === 'US' && n.numberType === 'local' && !owned.has(n.phoneNumber));
    if (free.length < count) throw new Error(`only ${free.length} orderable US local numbers for ${count} orders`);
    return free.slice(0, count).map((n) => n.phoneNumber);
  } finally {
    sim.close();
  }
}
