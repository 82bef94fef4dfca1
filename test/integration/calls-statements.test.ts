import { applyCallEvent, lockCall } from '../../src/calls/calls.progress';
import { CALL_SELECT } from '../../src/calls/calls.events';
import { placeCall } from '../../src/calls/calls.service';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { CallLegEvent } from '../../src/calls/carrier-port';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { inTransaction } from '../../src/platform/db/transaction';
import { ServiceDeps } from '../../src/platform/service-deps';
import { testDatabaseUrl } from '../helpers/database';
import { callsActor, FROM, waitFor } from '../helpers/call-services';
import { fundedTenant, serviceDeps } from '../helpers/services';

// What placing a call and each of its transitions cost in SQL statements (counted through Prisma's query events,
// like the N+1 tests), and that the folded statements still write every row they wrote one by one. The carrier's
// events are captured and applied here one at a time, so each transition is counted on its own.

let base: Awaited<ReturnType<typeof serviceDeps>>;
let counted: PrismaClient;
let statements: string[];
let sim: CarrierSimulator;
let deps: ServiceDeps;
let heard: CallLegEvent[];

beforeEach(async () => {
  base = await serviceDeps({ poolSize: 5 });
  statements = [];
  counted = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 5, onQuery: (sql) => void statements.push(sql) });
  sim = createCarrierSimulator({ seed: 'calls-statements', timeScale: 0.001 });
  const callCarrier = callCarrierFrom(sim);
  heard = [];
  callCarrier.onCallEvent((e) => void heard.push(e));
  deps = { ...base, db: counted, callCarrier, callHoldEstimateMinutes: 10 };
});

afterEach(async () => {
  sim.close();
  await counted.$disconnect();
  await base.close();
});

async function tenantWithDid(): Promise<string> {
  const tenantId = await fundedTenant(base, 10_000n);
  await base.prisma.phoneNumber.create({
    data: { tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
  return tenantId;
}

/** Statements `fn` costs; the auto-recharge claim a charge makes after its commit is not the transition's. */
async function count(fn: () => Promise<unknown>): Promise<number> {
  const before = statements.length;
  await fn();
  return statements.slice(before).filter((sql) => !sql.includes('auto_recharge_settings')).length;
}

it('a placement costs 3 statements, each of the first three transitions 3, the answered call’s end 10; every row is still written', async () => {
  const tenantId = await tenantWithDid();
  const to = '+15125550142';
  sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 3, talkSeconds: 90 });

  let callId = '';
  // What the checks need (quota, number, rate, default connection, markup) in one read, place_outbound_call,
  // and the dial's UPDATE that also reads the call back.
  expect(await count(async () => ({ id: callId } = await placeCall(deps, callsActor(tenantId), { from: FROM, to, timeoutSecs: 20 })))).toBe(3);

  const events = await waitFor(async () => (heard.some((e) => e.type === 'call.hangup') ? heard.filter((e) => e.callRef === callId) : null));
  expect(events.map((e) => e.type)).toEqual(['call.initiated', 'call.ringing', 'call.answered', 'call.hangup']);
  const costs: number[] = [];
  for (const event of events) costs.push(await count(async () => expect(await applyCallEvent(deps, event)).toBe('applied')));
  // A move on: the call locked and read; its UPDATE with the event, sequence, fan-out marker, transition and
  // audit rows; COMMIT. The end: the call locked and read, its hold, the pricing, the rated UPDATE, whether it
  // runs media or sits in a conference, the event with its rows, the hold locked and consumed, the tenant's
  // balance with the ledger entry and the call's charge entry, COMMIT.
  expect(costs).toEqual([3, 3, 3, 10]);

  const call = await base.prisma.call.findUniqueOrThrow({ where: { id: callId }, include: { transitions: { orderBy: { id: 'asc' } } } });
  expect(call).toMatchObject({ status: 'completed', billableSeconds: 90, hangupCause: 'normal_clearing' });
  const recorded = await base.prisma.event.findMany({ where: { resourceId: callId }, orderBy: { sequence: 'asc' } });
  expect(recorded.map((e) => [e.type, Number(e.sequence)])).toEqual([['call.initiated', 1], ['call.ringing', 2], ['call.answered', 3], ['call.hangup', 4]]);
  expect(call.transitions.map((t) => [t.fromStatus, t.toStatus, t.eventId])).toEqual([
    [null, 'queued', null],
    ['queued', 'initiated', recorded[0].id],
    ['initiated', 'ringing', recorded[1].id],
    ['ringing', 'answered', recorded[2].id],
    ['answered', 'completed', recorded[3].id],
  ]);
  expect(call.transitions[4].detail).toEqual({ hangup_cause: 'normal_clearing', hangup_source: 'callee' });
  // Each event shows the call as it was at that step (the moves on build it from the locked row, not a re-read).
  expect(recorded[2].data).toMatchObject({ status: 'answered', initiated_at: call.initiatedAt!.toISOString(), ringing_at: call.ringingAt!.toISOString(), answered_at: call.answeredAt!.toISOString(), ended_at: null });
  expect(recorded[3].data).toMatchObject({ status: 'completed', ended_at: call.endedAt!.toISOString(), billable_seconds: 90, charge_cents: Number(call.chargeCents) });
  const audit = await base.prisma.auditEntry.findMany({ where: { resourceId: callId }, orderBy: { id: 'asc' } });
  expect(audit.map((a) => [a.action, a.actor, a.requestId, a.before, a.after])).toEqual([
    ['call.placed', 'system', 'test', null, expect.anything()],
    ['call.initiated', 'system', `call:${callId}`, { status: 'queued' }, { status: 'initiated' }],
    ['call.ringing', 'system', `call:${callId}`, { status: 'initiated' }, { status: 'ringing' }],
    ['call.answered', 'system', `call:${callId}`, { status: 'ringing' }, { status: 'answered' }],
    ['call.completed', 'system', `call:${callId}`, { status: 'answered' }, { status: 'completed', billable_seconds: 90, charge_cents: Number(call.chargeCents) }],
  ]);
  const charge = await base.prisma.ledgerEntry.findUniqueOrThrow({ where: { id: call.chargeLedgerEntryId! } });
  expect(charge).toMatchObject({ kind: 'call_charge', amountCents: -call.chargeCents! });
  const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
  expect([t.balanceCents, t.heldCents]).toEqual([10_000n - call.chargeCents!, 0n]);
});

it('an event of a tenant with a webhook subscription also marks its fan-out and queues its job, in the same transaction', async () => {
  const tenantId = await tenantWithDid();
  await base.prisma.webhookSubscription.create({ data: { tenantId, url: 'https://example.com/hook', signingSecret: 'whsec_test', eventTypes: ['call.initiated'], enabled: true } });
  const to = '+15125550143';
  sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 3, talkSeconds: 30 });
  const { id: callId } = await placeCall(deps, callsActor(tenantId), { from: FROM, to, timeoutSecs: 20 });
  const initiated = await waitFor(async () => heard.find((e) => e.callRef === callId && e.type === 'call.initiated'));
  // One more statement than without a subscription: the fan-out job.
  expect(await count(() => applyCallEvent(deps, initiated))).toBe(4);
  const [event] = await base.prisma.event.findMany({ where: { resourceId: callId } });
  expect(await base.prisma.webhookFanout.findUnique({ where: { eventId: event.id } })).toMatchObject({ resourceType: 'call', resourceId: callId, sequence: 1n });
  const [{ jobs }] = await base.prisma.$queryRaw<{ jobs: bigint }[]>`SELECT count(*) AS jobs FROM graphile_worker._private_jobs WHERE key = ${`webhook-fanout:${event.id}`}`;
  expect(jobs).toBe(1n);
});

it('lockCall reads the call as CALL_SELECT does, in the statement that locks it', async () => {
  const tenantId = await tenantWithDid();
  const { id } = await placeCall(deps, callsActor(tenantId), { from: FROM, to: '+15125550144', timeoutSecs: 20 });
  const expected = await base.prisma.call.findUniqueOrThrow({ where: { id }, select: CALL_SELECT });
  const locked = await inTransaction(counted, async (tx) => {
    const before = statements.length;
    const call = await lockCall(tx, id);
    expect(statements.slice(before)).toEqual([expect.stringMatching(/FOR UPDATE/)]);
    return call;
  });
  expect(locked).toEqual(expected);
  expect(await inTransaction(counted, (tx) => lockCall(tx, '00000000-0000-4000-8000-000000000000'))).toBeNull();
});
