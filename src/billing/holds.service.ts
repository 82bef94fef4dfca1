import { LedgerKind } from '../generated/prisma/client';
import { Prisma } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { countSpendToday } from './daily-spend';
import { announce, insufficientFunds } from './ledger.service';

// Credit holds (spec/credit-holds-errors.txt): work whose cost is known only at the end (a call) freezes an
// estimate when it starts, consumes the real amount when it ends (never more than frozen), and the rest is
// unfrozen. Available = balance + credit limit − held, so in-flight work can never overspend.

export interface FreezeRequest {
  tenantId: string;
  /** What the hold is for (a call id); unique across tenants. */
  transactionId: string;
  amountCents: bigint;
  description: string;
}

export interface HoldView {
  id: string;
  transactionId: string;
  amountCents: bigint;
  consumedCents: bigint | null;
  status: 'active' | 'consumed' | 'released';
}

const VIEW = { id: true, tenantId: true, transactionId: true, amountCents: true, consumedCents: true, status: true } as const;

export async function freeze(deps: ServiceDeps, req: FreezeRequest): Promise<HoldView> {
  if (req.amountCents <= 0n) throw new ApiError('invalid_request', 'A hold must be for a positive amount');
  return inTransaction(deps.db, async (tx) => {
    const existing = await tx.creditHold.findUnique({ where: { transactionId: req.transactionId }, select: VIEW });
    if (existing) {
      // Freezing the same thing twice is a retry, answered with the hold it made; anything else reuses an id.
      if (existing.tenantId === req.tenantId && existing.status === 'active' && existing.amountCents === req.amountCents) return existing;
      throw new ApiError('transaction_conflict', `Transaction ${req.transactionId} already has a hold`);
    }
    const reserved = await tx.$executeRaw`
      UPDATE tenants SET held_cents = held_cents + ${req.amountCents}, updated_at = now()
      WHERE id = ${req.tenantId}::uuid AND balance_cents + credit_limit_cents - held_cents >= ${req.amountCents}`;
    if (reserved === 0) throw await insufficientFunds(tx, req.tenantId, req.amountCents, 'balance_insufficient');
    return tx.creditHold.create({
      data: { tenantId: req.tenantId, transactionId: req.transactionId, amountCents: req.amountCents, description: req.description },
      select: VIEW,
    });
  });
}

export interface ConsumeRequest {
  tenantId: string;
  transactionId: string;
  /** What the work really cost; at most the frozen amount. Zero releases everything and charges nothing. */
  actualCents: bigint;
  kind: LedgerKind;
  description: string;
  reference?: { type: string; id: string };
  /**
   * A change that records the charge where the work lives (a call's charge_ledger_entry_id), run in the same
   * statement as the charge, which can read the new entry's id as `(SELECT id FROM entry)`. The tenant's row is
   * locked from that statement until the commit, so nothing may come between them.
   */
  alsoWithEntry?: Prisma.Sql;
}

/** Charges the actual amount from the hold and unfreezes the rest, in one transaction. */
export async function consume(deps: ServiceDeps, req: ConsumeRequest): Promise<HoldView & { ledgerEntryId: string | null }> {
  if (req.actualCents < 0n) throw new ApiError('invalid_request', 'A charge cannot be negative');
  return inTransaction(deps.db, async (tx) => {
    const [hold] = await tx.$queryRaw<{ id: string; tenant_id: string; amount_cents: bigint; status: string }[]>`
      SELECT id, tenant_id, amount_cents, status FROM credit_holds WHERE transaction_id = ${req.transactionId} FOR UPDATE`;
    if (!hold) throw new ApiError('no_consumable_freeze_records', `No hold for transaction ${req.transactionId}`);
    if (hold.tenant_id !== req.tenantId) throw new ApiError('customer_scope_mismatch', 'The hold belongs to another account');
    if (hold.status === 'consumed') throw new ApiError('freeze_records_already_consumed', `The hold for ${req.transactionId} was already consumed`);
    if (hold.status !== 'active') throw new ApiError('no_consumable_freeze_records', `The hold for ${req.transactionId} was released`);
    if (req.actualCents > hold.amount_cents) {
      throw new ApiError('actual_amount_exceeds_frozen_amount', `${req.actualCents} cents exceeds the ${hold.amount_cents} cents frozen; extend the hold first`);
    }
    await settle(tx, hold.id, 'consumed', req.actualCents);
    // Unfreeze the whole hold and charge the actual amount in the same statement, with its ledger row.
    const [entry] = await tx.$queryRaw<{ id: string | null; balance: bigint; sequence: bigint }[]>`
      WITH t AS (
        UPDATE tenants SET held_cents = held_cents - ${hold.amount_cents}, balance_cents = balance_cents - ${req.actualCents},
                           balance_sequence = balance_sequence + 1, updated_at = now(), ${countSpendToday(req.actualCents)}
        WHERE id = ${req.tenantId}::uuid
        RETURNING id, balance_cents, balance_sequence),
      e AS (
        INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, reference_type, reference_id, description, dedupe_key)
        SELECT t.id, ${req.kind}::ledger_kind, ${-req.actualCents}, t.balance_cents, ${req.reference?.type ?? null}, ${req.reference?.id ?? null}, ${req.description}, ${`hold:${req.transactionId}`}
        FROM t WHERE ${req.actualCents} > 0
        RETURNING id)${req.alsoWithEntry ? Prisma.sql`,
      entry AS (SELECT id FROM e),
      also AS (${req.alsoWithEntry})` : Prisma.empty}
      SELECT (SELECT id FROM e) AS id, t.balance_cents AS balance, t.balance_sequence AS sequence FROM t`;
    // Consumed for nothing, no ledger entry is posted: the hold itself names the change.
    announce(withDb(deps, tx), { tenantId: req.tenantId, balanceAfterCents: entry.balance, eventId: entry.id ?? hold.id, sequence: entry.sequence }, { mayAutoRecharge: true });
    return { id: hold.id, transactionId: req.transactionId, amountCents: hold.amount_cents, consumedCents: req.actualCents, status: 'consumed' as const, ledgerEntryId: entry.id };
  });
}

/** Marks a hold settled (raw: it also runs in a plain transaction, platform/db/plain-transaction.ts). */
async function settle(tx: Prisma.TransactionClient, holdId: string, status: 'consumed' | 'released', consumedCents: bigint): Promise<void> {
  await tx.$executeRaw`UPDATE credit_holds SET status = ${status}::credit_hold_status, consumed_cents = ${consumedCents}::bigint, settled_at = ${new Date()}::timestamptz
                        WHERE id = ${holdId}::uuid`;
}

/** Gives the whole hold back (work that ended without a charge). */
export async function release(deps: ServiceDeps, req: { tenantId: string; transactionId: string }): Promise<HoldView> {
  return inTransaction(deps.db, async (tx) => {
    const [hold] = await tx.$queryRaw<{ id: string; tenant_id: string; amount_cents: bigint; status: string }[]>`
      SELECT id, tenant_id, amount_cents, status FROM credit_holds WHERE transaction_id = ${req.transactionId} FOR UPDATE`;
    if (!hold || hold.status !== 'active') throw new ApiError('no_unfreezable_records', `No active hold for transaction ${req.transactionId}`);
    if (hold.tenant_id !== req.tenantId) throw new ApiError('customer_scope_mismatch', 'The hold belongs to another account');
    await settle(tx, hold.id, 'released', 0n);
    const [tenant] = await tx.$queryRaw<{ balance_cents: bigint; balance_sequence: bigint }[]>`
      UPDATE tenants SET held_cents = held_cents - ${hold.amount_cents}, balance_sequence = balance_sequence + 1, updated_at = now()
      WHERE id = ${req.tenantId}::uuid RETURNING balance_cents, balance_sequence`;
    announce(withDb(deps, tx), { tenantId: req.tenantId, balanceAfterCents: tenant.balance_cents, eventId: hold.id, sequence: tenant.balance_sequence }, { mayAutoRecharge: false });
    return { id: hold.id, transactionId: req.transactionId, amountCents: hold.amount_cents, consumedCents: 0n, status: 'released' as const };
  });
}

/**
 * The explicit top-up of a hold: work that outgrows its estimate must reserve more before it may cost more.
 * `force` reserves it even past the available balance: for work already done and owed (a call that talked
 * longer than its estimate finishes normally, the spec says, even when the balance has run out).
 */
export async function extend(deps: ServiceDeps, req: { tenantId: string; transactionId: string; extraCents: bigint; force?: boolean }): Promise<HoldView> {
  if (req.extraCents <= 0n) throw new ApiError('invalid_request', 'A hold can only be extended by a positive amount');
  return inTransaction(deps.db, async (tx) => {
    const [hold] = await tx.$queryRaw<{ id: string; tenant_id: string; status: string }[]>`
      SELECT id, tenant_id, status FROM credit_holds WHERE transaction_id = ${req.transactionId} FOR UPDATE`;
    if (!hold || hold.status !== 'active') throw new ApiError('no_consumable_freeze_records', `No active hold for transaction ${req.transactionId}`);
    if (hold.tenant_id !== req.tenantId) throw new ApiError('customer_scope_mismatch', 'The hold belongs to another account');
    const reserved = await tx.$executeRaw`
      UPDATE tenants SET held_cents = held_cents + ${req.extraCents}, updated_at = now()
      WHERE id = ${req.tenantId}::uuid AND (${req.force === true} OR balance_cents + credit_limit_cents - held_cents >= ${req.extraCents})`;
    if (reserved === 0) throw await insufficientFunds(tx, req.tenantId, req.extraCents, 'balance_insufficient');
    return tx.creditHold.update({ where: { id: hold.id }, data: { amountCents: { increment: req.extraCents } }, select: VIEW });
  });
}
