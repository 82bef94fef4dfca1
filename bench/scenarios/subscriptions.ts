import { randomUUID } from 'node:crypto';
import { PrismaClient } from '../../src/platform/db/client';
import { ServiceDeps } from '../../src/platform/service-deps';
import { percentile, quick, Row } from '../harness';
import { benchTenant, BenchTenant, seedOwnedNumber } from '../seed';
import { closeSubscribers, openSubscribers, Subscriber, tally, untilAllReceiving, untilDelivered, untilQuiet } from './subscribers';

// 1,000 graphql-ws subscribers of one tenant's `callStatusChanged`, while that tenant's calls make 10 status
// transitions a second: calls placed through POST /v1/calls at 2.5/s, each played by the simulator (compressed
// time) through initiated → ringing → answered → completed. Latency is receipt minus the commit instant the
// payload carries; every transition of the measured calls must reach every subscriber. The same sockets and
// payload against a raw `ws` broadcast server give the baseline.

export const SUBSCRIBERS = quick ? 200 : 1_000;
export const SECONDS = quick ? 5 : 30;
const CALLS_PER_SECOND = 2.5; // × 4 published transitions = 10 transitions/s

export interface Measured {
  p50: number;
  p99: number;
  dropped: number;
  delivered: number;
  events: number;
  seconds: number;
}

async function placeCall(port: number, t: BenchTenant & { from: string }, n: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: t.from, to: `+15125553${100 + (n % 300)}`, timeout_secs: 20 }),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id) throw new Error(`placing a call answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

/** Calls at the scenario's rate until `stop()` says so; resolves with their ids. */
async function placeAtRate(port: number, t: BenchTenant & { from: string }, stop: () => boolean): Promise<string[]> {
  const ids: Promise<string>[] = [];
  const start = Date.now();
  for (let n = 0; !stop(); n++) {
    const due = start + (n * 1000) / CALLS_PER_SECOND;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    if (stop()) break;
    ids.push(placeCall(port, t, n));
  }
  return Promise.all(ids);
}

export async function subscriptionTenant(prisma: PrismaClient, deps: ServiceDeps): Promise<BenchTenant & { from: string }> {
  const t = await benchTenant(prisma, deps, 'Bench subscriptions');
  await prisma.tenantQuota.update({ where: { tenantId: t.tenantId }, data: { concurrentCallCap: 1_000, dailySpendCapCents: 100_000_000n } });
  return { ...t, from: (await seedOwnedNumber(prisma, t.tenantId)).e164 };
}

/** Subscribers on `subscribePort`, calls placed on `placePort` (the same instance, or another through Redis). */
export async function measureGateway(prisma: PrismaClient, t: BenchTenant & { from: string }, placePort: number, subscribePort: number): Promise<Measured> {
  const subscribers = await openSubscribers(`ws://127.0.0.1:${subscribePort}/graphql`, t.key, SUBSCRIBERS);
  try {
    // Warm-up: calls until every subscription has seen an event (so all are registered), not measured.
    let warm = false;
    const warmup = placeAtRate(placePort, t, () => warm);
    await untilAllReceiving(subscribers, 60_000).finally(() => (warm = true));
    await warmup;
    await untilQuiet(subscribers, 1_000, 30_000);

    const end = Date.now() + SECONDS * 1000;
    const callIds = await placeAtRate(placePort, t, () => Date.now() >= end);
    await untilEnded(prisma, callIds);
    const rows = await prisma.callTransition.findMany({ where: { callId: { in: callIds }, eventId: { not: null } }, select: { eventId: true } });
    const expected = new Set(rows.map((r) => r.eventId!));
    await untilDelivered(subscribers, expected, 5_000, 60_000);
    return result(subscribers, expected);
  } finally {
    await closeSubscribers(subscribers);
  }
}

/** The raw broadcast server: the same sockets, 10 events/s naming real calls of the tenant, the same duration. */
export async function measureBaseline(prisma: PrismaClient, t: BenchTenant, port: number): Promise<Measured> {
  const calls = await prisma.call.findMany({ where: { tenantId: t.tenantId }, select: { id: true }, take: 100 });
  const subscribers = await openSubscribers(`ws://127.0.0.1:${port}/graphql`, t.key, SUBSCRIBERS);
  const emit = (n: number) => {
    const eventId = randomUUID();
    void fetch(`http://127.0.0.1:${port}/emit`, {
      method: 'POST',
      body: JSON.stringify({ eventId, eventType: 'call.ringing', sequence: 2, status: 'ringing', occurredAt: new Date().toISOString(), callId: calls[n % calls.length].id }),
    });
    return eventId;
  };
  try {
    for (let n = 0; subscribers.some((s) => s.received.length === 0); n++) {
      if (n > 600) throw new Error('the baseline’s subscribers received nothing');
      emit(n);
      await new Promise((r) => setTimeout(r, 100));
    }
    await untilQuiet(subscribers, 1_000, 30_000);
    const expected = new Set<string>();
    const start = Date.now();
    for (let n = 0; n < SECONDS * 10; n++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + n * 100 - Date.now())));
      expected.add(emit(n));
    }
    await untilDelivered(subscribers, expected, 5_000, 60_000);
    return result(subscribers, expected);
  } finally {
    await closeSubscribers(subscribers);
  }
}

function result(subscribers: Subscriber[], expected: Set<string>): Measured {
  const { latencies, dropped, delivered } = tally(subscribers, expected);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), dropped, delivered, events: expected.size, seconds: SECONDS };
}

async function untilEnded(prisma: PrismaClient, callIds: string[]): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end && (await prisma.call.count({ where: { id: { in: callIds }, endedAt: null } })) > 0) {
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function subscriptionRow(where: string, g: Measured, b: Measured, goalMs: number): Row {
  const size = `${SUBSCRIBERS.toLocaleString('en')} graphql-ws subscribers, 10 call transitions/s for ${SECONDS} s${quick ? ' (quick mode: fewer subscribers, shorter)' : ''}`;
  return {
    scenario: `${size}, ${where}: commit-to-receipt (${g.events} transitions, ${g.delivered} deliveries; req/s columns = deliveries/s; ratio = p99 ratio)`,
    baseline: `raw ws broadcast, same sockets and payload JSON (p99 ${b.p99} ms, ${b.dropped} dropped)`,
    gatewayRps: g.delivered / g.seconds,
    baselineRps: b.delivered / b.seconds,
    ratio: g.p99 / Math.max(b.p99, 1),
    p50: g.p50,
    p99: g.p99,
    errors: g.dropped,
    goal: `p99 ≤ ${goalMs} ms and ≤ 3× baseline p99, 0 dropped`,
    pass: g.p99 <= goalMs && g.p99 <= 3 * Math.max(b.p99, 1) && g.dropped === 0 && g.events > 0,
  };
}
