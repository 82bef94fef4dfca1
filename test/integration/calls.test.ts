import { callAction } from '../../src/calls/calls.actions';
import { recoverCalls } from '../../src/calls/calls.recovery';
import { placeCall } from '../../src/calls/calls.service';
import { chargeCents, holdEstimateCents } from '../../src/calls/rating';
import { ACTION_FEE_CENTS } from '../../src/calls/action-fees';
import { credit, debit } from '../../src/billing/ledger.service';
import { CarrierSimulator } from '../../src/carrier';
import { Scope } from '../../src/platform/auth/scopes';
import { ServiceDeps } from '../../src/platform/service-deps';
import { BaseDeps, callsActor as actorOf, codeOf, FROM, SimulatedCarrier, SimulatedCarriers, waitFor } from '../helpers/call-services';
import { fundedTenant } from '../helpers/services';

// Calls against real Postgres and the carrier simulator (compressed time). Races use separate connections.

let carriers: SimulatedCarriers;
let base: BaseDeps;

beforeEach(async () => {
  carriers = await SimulatedCarriers.open({ poolSize: 30, seed: 'calls-test' });
  base = carriers.base;
});

afterEach(() => carriers.close());

/** Service deps with a carrier simulator whose progress drives the calls (`timeScale` compresses it). */
const withCarrier = (timeScale: number, seed?: string): SimulatedCarrier => carriers.withCarrier({ timeScale, seed, mediaReports: false });
const tenantWithDid = (balanceCents: bigint) => carriers.tenantWithDid(balanceCents);

const ended = (id: string) => waitFor(async () => {
  const c = await base.prisma.call.findUniqueOrThrow({ where: { id } });
  return ['completed', 'busy', 'no_answer', 'failed', 'canceled'].includes(c.status) ? c : null;
});

async function nothingLeftBehind(tenantId: string): Promise<void> {
  const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
  expect(t.heldCents).toBe(0n);
  expect(await base.prisma.creditHold.count({ where: { tenantId, status: 'active' } })).toBe(0);
}

describe('placing a call: the checks, in order, nothing dialled or held when one fails', () => {
  it('answers each check’s code in the promised order', async () => {
    const { deps, sim } = withCarrier(1);
    const tenantId = await fundedTenant(base, 0n);
    const quota = (data: object) => base.prisma.tenantQuota.update({ where: { tenantId }, data });
    const place = (to: string, scopes?: Scope[]) => codeOf(placeCall(deps, actorOf(tenantId, scopes), { from: FROM, to }));
    const egypt = '+201001234567';

    // Everything wrong at once: the first check decides.
    await quota({ countriesBlocked: ['EG'], countriesAllowed: ['US'], prefixesBlocked: ['20'], dailySpendCapCents: 0n, concurrentCallCap: 0 });
    expect(await place(egypt, ['calls:read'])).toBe('forbidden');
    expect(await place(egypt)).toBe('from_number_not_owned');
    await base.prisma.phoneNumber.create({
      data: { tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
    });
    expect(await place(egypt)).toBe('country_blocked');
    await quota({ countriesBlocked: [] });
    expect(await place(egypt)).toBe('country_not_allowed');
    await quota({ countriesAllowed: [] });
    expect(await place(egypt)).toBe('prefix_blocked');
    await quota({ prefixesBlocked: [] });
    expect(await place(egypt)).toBe('no_pricing_tier_configured');
    // A priced destination: the money and capacity checks.
    expect(await place('+15125550123')).toBe('balance_insufficient');
    await credit(base, { tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });
    expect(await place('+15125550123')).toBe('daily_spend_cap_exceeded');
    await quota({ dailySpendCapCents: 50_000n });
    expect(await place('+15125550123')).toBe('concurrent_call_cap_exceeded');

    expect(await base.prisma.call.count()).toBe(0);
    expect(sim.controls.activeCalls()).toBe(0);
    await nothingLeftBehind(tenantId);
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(t.balanceCents).toBe(10_000n);

    await quota({ concurrentCallCap: 1 });
    expect(await place('+15125550123')).toBe('ok');
    expect(sim.controls.activeCalls()).toBe(1);
  });

  it('a forwarded caller id needs the quota’s permission; auto_recharge_failed replaces balance_insufficient', async () => {
    const { deps } = withCarrier(1);
    const tenantId = await fundedTenant(base, 0n);
    const place = () => codeOf(placeCall(deps, actorOf(tenantId), { from: '+14155550100', to: '+15125550123' }));
    expect(await place()).toBe('from_number_not_owned');
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { allowCallerIdForwarding: true } });
    expect(await place()).toBe('balance_insufficient');
    await base.prisma.autoRechargeSetting.create({
      data: { tenantId, enabled: false, thresholdCents: 100n, amountCents: 1000n, paymentMethodId: 'pm_x', failedAt: new Date(), failureReason: 'card declined' },
    });
    expect(await place()).toBe('auto_recharge_failed');
  });

  it('refuses malformed numbers before any check', async () => {
    const { deps } = withCarrier(1);
    const tenantId = await tenantWithDid(1000n);
    expect(await codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: '5125550123' }))).toBe('invalid_request');
    expect(await codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: '+1 512 555 0123' }))).toBe('invalid_request');
  });
});


describe('caps and balance under real concurrency', () => {
  it('2×cap simultaneous placements → exactly cap calls in flight', async () => {
    const { deps, sim } = withCarrier(1);
    const tenantId = await tenantWithDid(100_000n);
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { concurrentCallCap: 5 } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: `+1512555${String(1000 + i)}` }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r === 'concurrent_call_cap_exceeded')).toHaveLength(5);
    expect(await base.prisma.call.count({ where: { tenantId } })).toBe(5);
    expect(sim.controls.activeCalls()).toBe(5);
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(t.heldCents).toBe(5n * holdEstimateCents(10, 450, 4000));
  });

  it('the balance covers exactly as many holds as it can, however many race for it', async () => {
    const { deps } = withCarrier(1);
    const hold = holdEstimateCents(10, 450, 4000);
    const tenantId = await tenantWithDid(3n * hold + hold - 1n);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: `+1512555${String(2000 + i)}` }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 'balance_insufficient')).toHaveLength(7);
    expect(await base.prisma.call.count({ where: { tenantId } })).toBe(3);
  });

  it('the daily cap counts in-flight holds, so racing calls cannot spend past it', async () => {
    const { deps } = withCarrier(1);
    const hold = holdEstimateCents(10, 450, 4000);
    const tenantId = await tenantWithDid(100_000n);
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { dailySpendCapCents: 4n * hold } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: `+1512555${String(3000 + i)}` }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(results.filter((r) => r === 'daily_spend_cap_exceeded')).toHaveLength(6);
  });

  it('the daily cap counts what was debited today, not what was debited on an earlier day', async () => {
    const { deps } = withCarrier(1);
    const hold = holdEstimateCents(10, 450, 4000);
    const tenantId = await tenantWithDid(100_000n);
    await debit(base, { tenantId, kind: 'number_monthly', amountCents: 1_000n, description: 'spent earlier today' });
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { dailySpendCapCents: 1_000n + hold - 1n } });
    const place = (to: string) => placeCall(deps, actorOf(tenantId), { from: FROM, to });
    await expect(place('+15125554000')).rejects.toMatchObject({ code: 'daily_spend_cap_exceeded', message: expect.stringContaining('Spent today 1000 cents') });
    expect(await base.prisma.call.count({ where: { tenantId } })).toBe(0);
    // The same debit, counted for yesterday: today nothing is spent yet, and the call fits.
    await base.prisma.$executeRawUnsafe(`UPDATE tenants SET spend_day = spend_day - 1 WHERE id = $1::uuid`, tenantId);
    expect(await codeOf(place('+15125554001'))).toBe('ok');
  });
});

describe('lifecycle and rating', () => {
  it('an answered call: every transition stored and announced, one call_charge entry with the exact amount', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { countriesAllowed: [] } });
    const to = '+819012345678'; // Japan, mobile: 5500 m¢/min
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 4, talkSeconds: 125 });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to });
    expect(call.status).toBe('queued');
    const done = await ended(call.id);
    expect(done.status).toBe('completed');
    expect(done.billableSeconds).toBe(125);
    expect(done.answeredAt!.getTime() - done.ringingAt!.getTime()).toBe(4000);
    const expected = chargeCents(125, 5500, 4000);
    expect(expected).toBe(17n);
    expect(done.chargeCents).toBe(expected);

    const entries = await base.prisma.ledgerEntry.findMany({ where: { tenantId, kind: 'call_charge' } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amountCents: -expected, referenceType: 'call', referenceId: call.id, id: done.chargeLedgerEntryId });
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(t.balanceCents).toBe(10_000n - expected);
    await nothingLeftBehind(tenantId);
    expect((await base.prisma.creditHold.findUniqueOrThrow({ where: { transactionId: `call:${call.id}` } })).consumedCents).toBe(expected);

    const transitions = await base.prisma.callTransition.findMany({ where: { callId: call.id }, orderBy: { id: 'asc' }, include: { event: true } });
    expect(transitions.map((x) => [x.fromStatus, x.toStatus, x.event?.type ?? null, x.event ? Number(x.event.sequence) : null])).toEqual([
      [null, 'queued', null, null],
      ['queued', 'initiated', 'call.initiated', 1],
      ['initiated', 'ringing', 'call.ringing', 2],
      ['ringing', 'answered', 'call.answered', 3],
      ['answered', 'completed', 'call.hangup', 4],
    ]);
  });

  it.each([
    ['+15125550486', 'busy', 'user_busy'],
    ['+15125550408', 'no_answer', 'timeout'],
    ['+15125550503', 'failed', 'call_rejected'],
    ['+15125550487', 'canceled', 'originator_cancel'],
  ])('an unanswered call to %s ends %s (%s), costs nothing, its hold released', async (to, status, cause) => {
    const { deps } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to, timeoutSecs: 20 });
    const done = await ended(call.id);
    expect([done.status, done.hangupCause, done.chargeCents, done.billableSeconds]).toEqual([status, cause, 0n, 0]);
    expect(await base.prisma.ledgerEntry.count({ where: { tenantId, kind: 'call_charge' } })).toBe(0);
    expect((await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balanceCents).toBe(10_000n);
    await nothingLeftBehind(tenantId);
  });

  it('a carrier failure on dial is 502 upstream_error: the call ends failed and nothing is held', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    sim.controls.failNextCalls(1, 'dial');
    expect(await codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: '+15125550123' }))).toBe('upstream_error');
    const [call] = await base.prisma.call.findMany({ where: { tenantId } });
    expect([call.status, call.hangupCause]).toEqual(['failed', 'upstream_error']);
    expect(sim.controls.activeCalls()).toBe(0);
    await nothingLeftBehind(tenantId);
  });

  it('hangup: an answered call is rated and settled before the answer; a second hangup is call_already_ended', async () => {
    const { deps, sim } = withCarrier(0.01);
    const tenantId = await tenantWithDid(10_000n);
    const to = '+15125550777';
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to });
    await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'answered');
    const hung = await callAction(deps, actorOf(tenantId), call.id, 'hangup');
    expect([hung.status, hung.hangupSource, hung.hangupCause]).toEqual(['completed', 'caller', 'normal_clearing']);
    expect(hung.billableSeconds).toBeGreaterThanOrEqual(0);
    expect(hung.chargeCents).toBe(chargeCents(hung.billableSeconds!, 450, 4000));
    expect(await codeOf(callAction(deps, actorOf(tenantId), call.id, 'hangup'))).toBe('call_already_ended');
    await nothingLeftBehind(tenantId);
    // Another tenant's call is not found, exactly like a missing one.
    const other = await fundedTenant(base, 0n);
    expect(await codeOf(callAction(deps, actorOf(other), call.id, 'hangup'))).toBe('not_found');
  });

  it('hangup while ringing cancels the call at no cost', async () => {
    const { deps, sim } = withCarrier(1);
    const tenantId = await tenantWithDid(10_000n);
    // Rings minutes (real time): the hangup comes while it rings, however slow the machine.
    sim.controls.scriptNextCall('+15125550778', { outcome: 'answered', ringSeconds: 500, talkSeconds: 10 });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to: '+15125550778', timeoutSecs: 600 });
    await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'ringing');
    const hung = await callAction(deps, actorOf(tenantId), call.id, 'hangup');
    expect([hung.status, hung.chargeCents]).toEqual(['canceled', 0n]);
    expect(sim.controls.activeCalls()).toBe(0);
    await nothingLeftBehind(tenantId);
  });
});

describe('holds are settled after a restart mid-call', () => {
  it('recovery settles calls whose carrier leg is gone: answered ones billed at most their estimate, the others free', async () => {
    const first = withCarrier(0.01);
    const tenantId = await tenantWithDid(10_000n);
    first.sim.controls.scriptNextCall('+15125550801', { outcome: 'answered', ringSeconds: 1, talkSeconds: 7200 });
    first.sim.controls.scriptNextCall('+15125550802', { outcome: 'answered', ringSeconds: 600, talkSeconds: 60 });
    const answered = await placeCall(first.deps, actorOf(tenantId), { from: FROM, to: '+15125550801' });
    const ringing = await placeCall(first.deps, actorOf(tenantId), { from: FROM, to: '+15125550802', timeoutSecs: 600 });
    await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: answered.id } })).status === 'answered');
    await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: ringing.id } })).status === 'ringing');

    // The gateway goes down with its in-process carrier; a new one starts with a new simulator.
    first.stop();
    first.sim.close();
    const second = withCarrier(0.01);
    expect(await recoverCalls(second.deps, { graceMs: 0 })).toEqual({ checked: 2, settled: 2 });

    const a = await base.prisma.call.findUniqueOrThrow({ where: { id: answered.id } });
    const r = await base.prisma.call.findUniqueOrThrow({ where: { id: ringing.id } });
    expect([a.status, a.hangupCause, r.status, r.hangupCause, r.chargeCents]).toEqual(['completed', 'carrier_leg_lost', 'failed', 'carrier_leg_lost', 0n]);
    expect(a.billableSeconds!).toBeLessThanOrEqual(600);
    expect(a.chargeCents).toBe(chargeCents(a.billableSeconds!, 450, 4000));
    expect(a.chargeCents! <= holdEstimateCents(10, 450, 4000)).toBe(true);
    await nothingLeftBehind(tenantId);
    // Running it again finds nothing to do.
    expect(await recoverCalls(second.deps, { graceMs: 0 })).toEqual({ checked: 0, settled: 0 });
  });

  it('a call whose placement never reached the carrier is failed after the grace period', async () => {
    const { deps } = withCarrier(1);
    const tenantId = await tenantWithDid(10_000n);
    const hold = await base.prisma.creditHold.create({ data: { tenantId, transactionId: 'call:00000000-0000-4000-8000-0000000000aa', amountCents: 5n, description: 'x' } });
    await base.prisma.tenant.update({ where: { id: tenantId }, data: { heldCents: 5n } });
    await base.prisma.call.create({
      data: {
        id: '00000000-0000-4000-8000-0000000000aa', tenantId, fromNumber: FROM, toNumber: '+15125550123', destinationCountry: 'US', ratePrefix: '1',
        carrierCostPerMinuteMillicents: 450, queuedAt: new Date(Date.now() - 60_000), createdAt: new Date(Date.now() - 60_000), holdId: hold.id,
      },
    });
    expect(await recoverCalls(deps, { graceMs: 30_000 })).toEqual({ checked: 1, settled: 1 });
    await nothingLeftBehind(tenantId);
  });
});


describe('rating with plans and overrides', () => {
  const JAPAN_MOBILE = '+819012345678'; // 5500 m¢/min

  async function answeredCall(deps: ServiceDeps, sim: CarrierSimulator, tenantId: string, talkSeconds: number) {
    sim.controls.scriptNextCall(JAPAN_MOBILE, { outcome: 'answered', ringSeconds: 2, talkSeconds });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to: JAPAN_MOBILE });
    return ended(call.id);
  }

  async function allowEverywhere(tenantId: string) {
    await base.prisma.tenantQuota.update({ where: { tenantId }, data: { countriesAllowed: [] } });
  }

  it('uses the plan’s included minutes of the current period first, then its markup', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    await allowEverywhere(tenantId);
    const periodStart = new Date(Date.now() - 86_400_000);
    await base.prisma.subscription.create({ data: { tenantId, planSlug: 'growth', currentPeriodStart: periodStart, currentPeriodEnd: new Date(periodStart.getTime() + 30 * 86_400_000) } });
    // Earlier calls this period used all but 60 of the plan's 5000 minutes.
    await base.prisma.call.create({
      data: { tenantId, fromNumber: FROM, toNumber: JAPAN_MOBILE, destinationCountry: 'JP', ratePrefix: '819', carrierCostPerMinuteMillicents: 5500, status: 'completed',
        queuedAt: new Date(), endedAt: new Date(), billableSeconds: 5000 * 60 - 60, includedSeconds: 5000 * 60 - 60, chargeCents: 0n },
    });
    const done = await answeredCall(deps, sim, tenantId, 125);
    // 60 s included, 65 s at 5500 m¢/min × 1.30 = 7.745 ¢ → 8 ¢.
    expect([done.billableSeconds, done.includedSeconds, done.markupBps, done.chargeCents]).toEqual([125, 60, 3000, chargeCents(65, 5500, 3000)]);
    expect(done.chargeCents).toBe(8n);
    const next = await answeredCall(deps, sim, tenantId, 30);
    expect([next.includedSeconds, next.chargeCents]).toEqual([0, chargeCents(30, 5500, 3000)]);
    await nothingLeftBehind(tenantId);
  });

  it('a fully included call costs nothing and writes no ledger entry', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    await allowEverywhere(tenantId);
    await base.prisma.subscription.create({ data: { tenantId, planSlug: 'growth', currentPeriodStart: new Date(Date.now() - 1000), currentPeriodEnd: new Date(Date.now() + 86_400_000) } });
    const done = await answeredCall(deps, sim, tenantId, 125);
    expect([done.includedSeconds, done.chargeCents, done.chargeLedgerEntryId]).toEqual([125, 0n, null]);
    expect(await base.prisma.ledgerEntry.count({ where: { tenantId, kind: 'call_charge' } })).toBe(0);
    await nothingLeftBehind(tenantId);
  });

  it('the tenant’s markup override wins over the default', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    await allowEverywhere(tenantId);
    await base.prisma.tenant.update({ where: { id: tenantId }, data: { markupOverrideBps: 2500 } });
    const done = await answeredCall(deps, sim, tenantId, 125);
    expect([done.markupBps, done.chargeCents]).toEqual([2500, 15n]);
  });

  it('a call that outlasts its estimate finishes normally: the hold is topped up and the balance may go below zero', async () => {
    const { deps, sim } = withCarrier(0.0005);
    const hold = holdEstimateCents(10, 5500, 4000);
    const tenantId = await tenantWithDid(hold);
    await allowEverywhere(tenantId);
    const done = await answeredCall(deps, sim, tenantId, 30 * 60);
    const expected = chargeCents(30 * 60, 5500, 4000);
    expect(expected > hold).toBe(true);
    expect(done.chargeCents).toBe(expected);
    const entries = await base.prisma.ledgerEntry.findMany({ where: { tenantId, kind: 'call_charge' } });
    expect(entries.map((e) => e.amountCents)).toEqual([-expected]);
    expect((await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balanceCents).toBe(hold - expected);
    await nothingLeftBehind(tenantId);
    // With the balance gone, new calls are refused; the one in flight was not cut.
    expect(await codeOf(placeCall(deps, actorOf(tenantId), { from: FROM, to: JAPAN_MOBILE }))).toBe('balance_insufficient');
  });
});

describe('answering-machine detection', () => {
  it('debits its fee once when the call is answered and records who picked up', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    const to = '+15125550901';
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 2, talkSeconds: 60, amdResult: 'machine' });
    const call = await placeCall(deps, actorOf(tenantId), { from: FROM, to, answeringMachineDetection: 'detect' });
    const done = await ended(call.id);
    expect([done.status, done.amdResult, done.billableSeconds]).toEqual(['completed', 'machine', 60]);
    const fees = await base.prisma.ledgerEntry.findMany({ where: { tenantId, kind: 'action_fee' } });
    expect(fees.map((f) => [f.amountCents, f.referenceType, f.referenceId])).toEqual([[-ACTION_FEE_CENTS.answering_machine_detection, 'call', call.id]]);
    const events = await base.prisma.event.findMany({ where: { resourceId: call.id }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['call.initiated', 'call.ringing', 'call.answered', 'call.machine_detection.ended', 'call.hangup']);
    const t = await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(t.balanceCents).toBe(10_000n - ACTION_FEE_CENTS.answering_machine_detection - chargeCents(60, 450, 4000));
    await nothingLeftBehind(tenantId);
  });

  it('costs nothing when the call is not answered, and nothing without detection', async () => {
    const { deps, sim } = withCarrier(0.001);
    const tenantId = await tenantWithDid(10_000n);
    const busy = await placeCall(deps, actorOf(tenantId), { from: FROM, to: '+15125550486', answeringMachineDetection: 'detect_beep' });
    sim.controls.scriptNextCall('+15125550902', { outcome: 'answered', ringSeconds: 2, talkSeconds: 20 });
    const plain = await placeCall(deps, actorOf(tenantId), { from: FROM, to: '+15125550902' });
    expect((await ended(busy.id)).amdResult).toBeNull();
    expect((await ended(plain.id)).amdResult).toBeNull();
    expect(await base.prisma.ledgerEntry.count({ where: { tenantId, kind: 'action_fee' } })).toBe(0);
  });
});
