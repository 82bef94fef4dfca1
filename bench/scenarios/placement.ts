import autocannon from 'autocannon';
import { IN_FLIGHT } from '../../src/calls/calls.checks';
import { PrismaClient } from '../../src/platform/db/client';
import { ServiceDeps } from '../../src/platform/service-deps';
import { quick, Row } from '../harness';
import { paced, PacedResult } from '../paced';
import { benchTenant, seedOwnedNumber } from '../seed';

// POST /v1/calls with every check (ownership, country, prefix, pricing, balance hold, daily cap, concurrency cap)
// at 32 connections, each request with its own Idempotency-Key; the simulator plays the calls to their end with
// compressed time. Then SQL proves nothing was violated: in-flight calls never above the cap (sampled during
// the run), one call per accepted request, balance == sum(ledger), holds == held, nothing spent past the cap.

const CONCURRENT_CAP = 5_000;
const PLACEMENTS = quick ? 200 : 2_000;
const WARMUP_PLACEMENTS = 64;
const DAILY_CAP_CENTS = 100_000_000n;

/**
 * `idempotent`: each request with its own Idempotency-Key (the goal's rows). Without keys: informative.
 * `overallRate`: placements per second, sent open loop over 32 keep-alive connections (../paced.ts: evenly
 * spaced, latency from when each was due, so queueing counts); unset, a closed loop: each
 * connection sends its next placement when the last one answers, which measures the peak rate and, at 32
 * connections, mostly the queue in front of it (p99 ≥ 32 ÷ throughput).
 */
export async function placementRow(prisma: PrismaClient, deps: ServiceDeps, gatewayPort: number, idempotent: boolean, overallRate?: number): Promise<Row> {
  const { tenantId, key } = await benchTenant(prisma, deps, `Bench placement${idempotent ? '' : ' without keys'}${overallRate ? ` at ${overallRate}/s` : ''}`, 50_000_000n);
  await prisma.tenantQuota.update({ where: { tenantId }, data: { concurrentCallCap: CONCURRENT_CAP, dailySpendCapCents: DAILY_CAP_CENTS } });
  const from = (await seedOwnedNumber(prisma, tenantId)).e164;
  let sent = 0;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  /** The n-th placement: national numbers ending 100–399 are answered (the simulator's busy/no-answer/fail patterns end 4xx/5xx). */
  const placement = (n: number) => ({
    headers: idempotent ? { ...headers, 'idempotency-key': `bench-place-${tenantId}-${n}` } : headers,
    body: JSON.stringify({ from, to: `+15125552${100 + (n % 300)}`, timeout_secs: 20 }),
  });
  const closedLoop = (amount: number): autocannon.Options => ({
    url: `http://127.0.0.1:${gatewayPort}`,
    connections: 32,
    amount,
    timeout: 60,
    requests: [{ method: 'POST', path: '/v1/calls', setupRequest: (req) => ({ ...req, ...placement(sent++) }) }],
    headers,
  });

  let maxInFlight = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxInFlight = Math.max(maxInFlight, await prisma.call.count({ where: { tenantId, status: { in: [...IN_FLIGHT] } } }));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // Bounded in requests, not time: a placement can take longer than a short window, and a time-bounded run would
  // leave its slowest requests unmeasured.
  // The warm-up is a closed loop either way (JIT, pools); the measured run is the row's own kind.
  await autocannon(closedLoop(WARMUP_PLACEMENTS));
  const result = overallRate
    ? await paced({ port: gatewayPort, rate: overallRate, amount: PLACEMENTS, connections: 32, request: () => ({ method: 'POST', path: '/v1/calls', ...placement(sent++) }) })
    : fromAutocannon(await autocannon(closedLoop(PLACEMENTS)));
  sampling = false;
  await sampler;
  const accepted = await untilSettled(prisma, tenantId);

  const [check] = await prisma.$queryRaw<{ calls: bigint; keys: bigint; ledger_ok: boolean; holds_ok: boolean; within_limit: boolean; spent_today: bigint }[]>`
    SELECT (SELECT count(*) FROM calls WHERE tenant_id = t.id) AS calls,
           (SELECT count(*) FROM idempotency_records WHERE tenant_id = t.id) AS keys,
           t.balance_cents = (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE tenant_id = t.id) AS ledger_ok,
           t.held_cents = (SELECT coalesce(sum(amount_cents), 0) FROM credit_holds WHERE tenant_id = t.id AND status = 'active') AS holds_ok,
           t.balance_cents + t.credit_limit_cents >= 0 AS within_limit,
           (SELECT coalesce(-sum(amount_cents), 0) FROM ledger_entries WHERE tenant_id = t.id AND kind = 'call_charge' AND created_at >= date_trunc('day', now())) AS spent_today
      FROM tenants t WHERE t.id = ${tenantId}::uuid`;
  const okResponses = result.ok;
  const problems = [
    maxInFlight > CONCURRENT_CAP && `in flight ${maxInFlight} > cap ${CONCURRENT_CAP}`,
    !check.ledger_ok && 'balance ≠ sum(ledger)',
    !check.holds_ok && 'held ≠ active holds',
    !check.within_limit && 'balance below the credit limit',
    check.spent_today > DAILY_CAP_CENTS && 'daily cap exceeded',
    idempotent && check.calls !== check.keys && `${check.calls} calls for ${check.keys} keys`,
    accepted.stillInFlight > 0 && `${accepted.stillInFlight} calls still in flight`,
  ].filter(Boolean);
  // A refused placement is shown with its answer, so a failing row says why (autocannon keeps no bodies).
  if (result.non2xx > 0) {
    const probe = await fetch(`http://127.0.0.1:${gatewayPort}/v1/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idempotent ? { 'idempotency-key': `bench-probe-${tenantId}` } : {}) },
      body: JSON.stringify({ from, to: '+15125552100', timeout_secs: 20 }),
    });
    problems.push(`${result.non2xx} refused; a probe after: ${probe.status} ${(await probe.text()).slice(0, 160)}`);
  }
  const { p99, rps } = result;
  return {
    scenario: `POST /v1/calls with all checks, 32 connections, ${overallRate ? `open loop at ${overallRate} placements/s (70% of the closed loop's peak), ` : 'closed loop, '}${idempotent ? 'distinct Idempotency-Keys' : 'no Idempotency-Key (informative)'} (${PLACEMENTS} requests after ${WARMUP_PLACEMENTS} to warm up: ${accepted.total} calls placed; max ${maxInFlight} in flight sampled; ${problems.length ? problems.join(', ') : 'no cap or balance violation'})`,
    baseline: 'goal: p99 50 ms',
    gatewayRps: rps,
    baselineRps: 50,
    ratio: p99 / 50,
    p50: result.p50,
    p99,
    errors: result.errors + result.non2xx,
    goal: 'p99 ≤ 50 ms; no cap or balance violation (SQL after)',
    pass: okResponses > 0 && p99 <= 50 && problems.length === 0 && result.non2xx === 0 && result.errors === 0,
  };
}

/**
 * Waits (bounded) until requests still inside the gateway when the load stopped have landed (the call count
 * holds still) and every call has ended, so the holds are settled before the books are checked.
 */
async function untilSettled(prisma: PrismaClient, tenantId: string): Promise<{ total: number; stillInFlight: number }> {
  const end = Date.now() + 60_000;
  let [total, stillInFlight, steadySince] = [-1, 0, Date.now()];
  for (;;) {
    const now = await prisma.call.count({ where: { tenantId } });
    if (now !== total) [total, steadySince] = [now, Date.now()];
    stillInFlight = await prisma.call.count({ where: { tenantId, status: { in: [...IN_FLIGHT] } } });
    if ((stillInFlight === 0 && Date.now() - steadySince >= 2_000) || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { total, stillInFlight };
}

function fromAutocannon(result: autocannon.Result): PacedResult {
  return {
    rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99,
    ok: result['2xx'], non2xx: result.non2xx, errors: result.errors + result.timeouts,
  };
}
