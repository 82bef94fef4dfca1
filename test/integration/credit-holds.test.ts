import { consume, extend, freeze, release } from '../../src/billing/holds.service';
import { debit, verifyLedger } from '../../src/billing/ledger.service';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('credit holds', () => {
  let deps: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    deps = await serviceDeps({ poolSize: 40 });
  });
  afterAll(() => deps.close());

  const tenant = (id: string) => deps.prisma.tenant.findUniqueOrThrow({ where: { id } });

  it('freezes, consumes the actual amount and unfreezes the rest, with one ledger entry', async () => {
    const tenantId = await fundedTenant(deps, 1_000n);
    await freeze(deps, { tenantId, transactionId: 'call-1', amountCents: 300n, description: 'call estimate' });
    expect(await tenant(tenantId)).toMatchObject({ balanceCents: 1_000n, heldCents: 300n });
    // Held credit is not available to anything else.
    await expect(debit(deps, { tenantId, kind: 'action_fee', amountCents: 701n, description: 'x' })).rejects.toMatchObject({ code: 'balance_insufficient' });

    const done = await consume(deps, { tenantId, transactionId: 'call-1', actualCents: 123n, kind: 'call_charge', description: 'call', reference: { type: 'call', id: 'call-1' } });
    expect(done.status).toBe('consumed');
    expect(await tenant(tenantId)).toMatchObject({ balanceCents: 877n, heldCents: 0n });
    const entries = await deps.prisma.ledgerEntry.findMany({ where: { tenantId, kind: 'call_charge' } });
    expect(entries).toEqual([expect.objectContaining({ amountCents: -123n, balanceAfterCents: 877n, referenceType: 'call', referenceId: 'call-1' })]);
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });

  it('answers each misuse with its credit-hold code', async () => {
    const a = await fundedTenant(deps, 1_000n);
    const b = await fundedTenant(deps, 1_000n);
    await freeze(deps, { tenantId: a, transactionId: 't-1', amountCents: 100n, description: 'x' });
    await expect(freeze(deps, { tenantId: b, transactionId: 't-1', amountCents: 100n, description: 'x' })).rejects.toMatchObject({ code: 'transaction_conflict' });
    await expect(consume(deps, { tenantId: a, transactionId: 'nope', actualCents: 1n, kind: 'call_charge', description: 'x' })).rejects.toMatchObject({ code: 'no_consumable_freeze_records' });
    await expect(consume(deps, { tenantId: b, transactionId: 't-1', actualCents: 1n, kind: 'call_charge', description: 'x' })).rejects.toMatchObject({ code: 'customer_scope_mismatch' });
    await expect(consume(deps, { tenantId: a, transactionId: 't-1', actualCents: 101n, kind: 'call_charge', description: 'x' })).rejects.toMatchObject({ code: 'actual_amount_exceeds_frozen_amount' });
    await consume(deps, { tenantId: a, transactionId: 't-1', actualCents: 100n, kind: 'call_charge', description: 'x' });
    await expect(consume(deps, { tenantId: a, transactionId: 't-1', actualCents: 1n, kind: 'call_charge', description: 'x' })).rejects.toMatchObject({ code: 'freeze_records_already_consumed' });
    await expect(release(deps, { tenantId: a, transactionId: 't-1' })).rejects.toMatchObject({ code: 'no_unfreezable_records' });
    await expect(release(deps, { tenantId: a, transactionId: 'never' })).rejects.toMatchObject({ code: 'no_unfreezable_records' });
    await expect(freeze(deps, { tenantId: a, transactionId: 't-big', amountCents: 10_000n, description: 'x' })).rejects.toMatchObject({ code: 'balance_insufficient' });
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });

  it('a retried freeze returns the same hold; release gives everything back and charges nothing', async () => {
    const tenantId = await fundedTenant(deps, 500n);
    const first = await freeze(deps, { tenantId, transactionId: 'r-1', amountCents: 200n, description: 'x' });
    const again = await freeze(deps, { tenantId, transactionId: 'r-1', amountCents: 200n, description: 'x' });
    expect(again.id).toBe(first.id);
    expect((await tenant(tenantId)).heldCents).toBe(200n);
    await release(deps, { tenantId, transactionId: 'r-1' });
    expect(await tenant(tenantId)).toMatchObject({ balanceCents: 500n, heldCents: 0n });
    expect(await deps.prisma.ledgerEntry.count({ where: { tenantId } })).toBe(1);
  });

  it('costs more than frozen only after an explicit extension, which needs available credit', async () => {
    const tenantId = await fundedTenant(deps, 400n);
    await freeze(deps, { tenantId, transactionId: 'e-1', amountCents: 100n, description: 'x' });
    await extend(deps, { tenantId, transactionId: 'e-1', extraCents: 250n });
    await expect(extend(deps, { tenantId, transactionId: 'e-1', extraCents: 100n })).rejects.toMatchObject({ code: 'balance_insufficient' });
    await consume(deps, { tenantId, transactionId: 'e-1', actualCents: 350n, kind: 'call_charge', description: 'x' });
    expect(await tenant(tenantId)).toMatchObject({ balanceCents: 50n, heldCents: 0n });
  });

  it('50 concurrent freezes hold no more than is available; concurrent consumes of one hold charge once', async () => {
    const tenantId = await fundedTenant(deps, 1_000n);
    const freezes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => freeze(deps, { tenantId, transactionId: `c-${i}`, amountCents: 90n, description: 'x' })),
    );
    expect(freezes.filter((r) => r.status === 'fulfilled')).toHaveLength(11);
    expect((await tenant(tenantId)).heldCents).toBe(990n);
    // Which eleven won the race is up to the database: consume one that did.
    const held = (freezes.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ transactionId: string }>).value.transactionId;
    const consumes = await Promise.allSettled(
      Array.from({ length: 10 }, () => consume(deps, { tenantId, transactionId: held, actualCents: 90n, kind: 'call_charge', description: 'x' })),
    );
    expect(consumes.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(consumes.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'freeze_records_already_consumed')).toBe(true);
    expect(await tenant(tenantId)).toMatchObject({ balanceCents: 910n, heldCents: 900n });
    expect(await verifyLedger(deps.prisma)).toEqual([]);
  });
});
