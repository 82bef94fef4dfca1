import { verifyLedger } from '../../src/billing/ledger.service';
import { recoverPendingNumbers, STUCK_PENDING_AFTER_MS } from '../../src/numbers/activation-recovery';
import { orderNumbers, startNumberActivation } from '../../src/numbers/numbers.service';
import { systemActor } from '../../src/platform/auth/scopes';
import { ManualClock } from '../../src/platform/clock';
import { FakeCarrier } from '../helpers/fake-carrier';
import { testDatabaseUrl, truncateAll } from '../helpers/database';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('recovery of numbers stuck pending', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  let carrier: FakeCarrier;
  let clock: ManualClock;
  let deps: typeof base;
  let stop: () => void;
  const errors: unknown[] = [];
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-11-16T12:00:00Z'));
    base = await serviceDeps({ clock });
  });
  beforeEach(async () => {
    await truncateAll(await testDatabaseUrl());
    clock.set(new Date('2026-11-16T12:00:00Z'));
    carrier = new FakeCarrier();
    deps = { ...base, carrier };
    stop = startNumberActivation(deps, (err) => errors.push(err));
  });
  afterEach(() => {
    stop();
    expect(errors).toEqual([]);
  });
  afterAll(() => base.close());

  const afterSubmission = () => new Promise((r) => setTimeout(r, 50));
  const later = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  const row = (e164: string) => base.prisma.phoneNumber.findFirstOrThrow({ where: { e164 } });
  const recover = () => recoverPendingNumbers(deps, { onError: (err) => errors.push(err) });

  it('an order the carrier never confirmed is submitted again under the same ref, then its outcome is polled and applied', async () => {
    const tenantId = await fundedTenant(base, 1_000n);
    carrier.nextOrderFault = 'down';
    await orderNumbers(deps, systemActor(tenantId, 'r1'), { phoneNumbers: ['+15125550100', '+15125550101'], countryCode: 'US', numberType: 'local' });
    await afterSubmission();
    expect(carrier.orders).toEqual([]);
    expect(await row('+15125550100')).toMatchObject({ status: 'pending', upstreamOrderId: null });

    // Not stuck yet: an activation normally takes seconds.
    expect(await recover()).toEqual({ resubmitted: 0, activated: 0, failed: 0, stillPending: 0 });
    later(STUCK_PENDING_AFTER_MS + 1000);
    expect(await recover()).toEqual({ resubmitted: 1, activated: 0, failed: 0, stillPending: 2 });
    expect(carrier.orders).toHaveLength(1);
    expect(carrier.orders[0].phoneNumbers).toEqual(['+15125550100', '+15125550101']);
    const upstream = carrier.orders[0].upstreamOrderId;
    expect(await row('+15125550101')).toMatchObject({ status: 'pending', upstreamOrderId: upstream });

    // The carrier decides, but its events are lost: polling finds the outcomes.
    carrier.decide('+15125550100', { at: clock.now() });
    carrier.decide('+15125550101', { reason: 'number withdrawn upstream', at: clock.now() });
    expect(await recover()).toEqual({ resubmitted: 0, activated: 1, failed: 1, stillPending: 0 });
    expect(await row('+15125550100')).toMatchObject({ status: 'active' });
    expect(await row('+15125550101')).toMatchObject({ status: 'failed', failureReason: 'number withdrawn upstream' });
    expect(await base.prisma.event.findMany({ where: { tenantId }, select: { type: true }, orderBy: { type: 'asc' } })).toEqual([
      { type: 'number_order.completed' },
      { type: 'number_order.failed' },
    ]);

    // The lost events turn up after all: nothing happens twice.
    await carrier.settle('+15125550100');
    await carrier.settle('+15125550101', { reason: 'late' });
    const entries = await base.prisma.ledgerEntry.findMany({ where: { tenantId }, select: { kind: true, amountCents: true }, orderBy: { createdAt: 'asc' } });
    expect(entries.map((e) => e.kind)).toEqual(['adjustment', 'number_activation', 'number_monthly', 'number_activation']);
    expect(entries[3].amountCents).toBe(100n);
    expect(await recover()).toEqual({ resubmitted: 0, activated: 0, failed: 0, stillPending: 0 });
    expect(await verifyLedger(base.prisma)).toEqual([]);
  });

  it('an order that took effect though its answer was lost is not placed twice', async () => {
    const tenantId = await fundedTenant(base, 1_000n);
    carrier.nextOrderFault = 'lose_response';
    await orderNumbers(deps, systemActor(tenantId, 'r2'), { phoneNumbers: ['+12125550100'], countryCode: 'US', numberType: 'local' });
    await afterSubmission();
    expect(carrier.orders).toHaveLength(1);
    expect((await row('+12125550100')).upstreamOrderId).toBeNull();
    later(STUCK_PENDING_AFTER_MS + 1000);
    carrier.decide('+12125550100', { at: clock.now() });
    expect(await recover()).toEqual({ resubmitted: 1, activated: 1, failed: 0, stillPending: 0 });
    expect(carrier.orders).toHaveLength(1);
    expect(await row('+12125550100')).toMatchObject({ status: 'active', upstreamOrderId: carrier.orders[0].upstreamOrderId });
  });

  it('a resubmission the carrier refuses fails the numbers and returns their activation fee', async () => {
    const tenantId = await fundedTenant(base, 1_000n);
    carrier.nextOrderFault = 'down';
    await orderNumbers(deps, systemActor(tenantId, 'r3'), { phoneNumbers: ['+15125550103'], countryCode: 'US', numberType: 'local' });
    await afterSubmission();
    later(STUCK_PENDING_AFTER_MS + 1000);
    carrier.nextOrderFault = 'refuse';
    expect(await recover()).toMatchObject({ resubmitted: 1, activated: 0 });
    expect(await row('+15125550103')).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('the carrier refused the order') });
    expect((await base.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balanceCents).toBe(1_000n);
  });

  it('a carrier that is still down leaves the numbers pending for the next run', async () => {
    const tenantId = await fundedTenant(base, 1_000n);
    carrier.nextOrderFault = 'down';
    await orderNumbers(deps, systemActor(tenantId, 'r4'), { phoneNumbers: ['+15125550102'], countryCode: 'US', numberType: 'local' });
    await afterSubmission();
    later(STUCK_PENDING_AFTER_MS + 1000);
    carrier.nextOrderFault = 'down';
    expect(await recover()).toMatchObject({ resubmitted: 1, activated: 0, failed: 0 });
    expect(await row('+15125550102')).toMatchObject({ status: 'pending', upstreamOrderId: null });
    expect(await recover()).toMatchObject({ resubmitted: 1, stillPending: 1 });
  });
});
