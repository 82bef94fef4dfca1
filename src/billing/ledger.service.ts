import { LedgerKind } from '../generated/prisma/client';
import { Db, Prisma } from '../platform/db/client';
import { PREPARED } from '../platform/db/prepared';
import { afterCommit } from '../platform/db/transaction';
import { ApiError, ErrorCode } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { countSpendToday } from './daily-spend';

// The only way money moves. Each movement is ONE statement: the conditional UPDATE of the tenant's cached
// balance and the INSERT of its ledger row, chained in a CTE. The tenant row is locked from that statement to the
// commit, two debits can never both spend the last cent, and balance == sum(ledger) holds at every commit. Both
// statements are PREPARED (platform/db/prepared.ts): planned once per connection, not on every movement.

export interface Movement {
  tenantId: string;
  kind: LedgerKind;
  /** The magnitude, > 0; debit() subtracts it, credit() adds it. */
  amountCents: bigint;
  description: string;
  reference?: { type: string; id: string };
  /** Makes the entry happen at most once (`top_up:payment:<id>`); a second attempt aborts its transaction. */
  dedupeKey?: string;
}

export interface PostedEntry {
  id: string;
  balanceAfterCents: bigint;
  createdAt: Date;
  /** The tenant's balance-change count after this one (balanceChanged's `sequence`). */
  balanceSequence: bigint;
}

export interface DebitOptions {
  /** Charge even past the credit limit (a monthly fee already owed); availability is not checked. */
  force?: boolean;
  /** The code for "cannot cover it": balance_insufficient unless a domain's spec says otherwise. */
  insufficientCode?: ErrorCode;
  /** False for money going back to the card (a refund): recharging the card right after would undo it. */
  triggersAutoRecharge?: boolean;
}

export async function debit(deps: ServiceDeps, m: Movement, opts: DebitOptions = {}): Promise<PostedEntry> {
  assertPositive(m.amountCents);
  const rows = await deps.db.$queryRaw<PostedEntry[]>`${Prisma.raw(PREPARED)}
    WITH t AS (
      UPDATE tenants SET balance_cents = balance_cents - ${m.amountCents}, balance_sequence = balance_sequence + 1, updated_at = now(), ${countSpendToday(m.amountCents)}
      WHERE id = ${m.tenantId}::uuid
        AND (${opts.force === true} OR balance_cents + credit_limit_cents - held_cents >= ${m.amountCents})
      RETURNING id, balance_cents, balance_sequence)
    INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, reference_type, reference_id, description, dedupe_key)
    SELECT t.id, ${m.kind}::ledger_kind, ${-m.amountCents}, t.balance_cents, ${m.reference?.type ?? null}, ${m.reference?.id ?? null}, ${m.description}, ${m.dedupeKey ?? null}
    FROM t
    RETURNING id, balance_after_cents AS "balanceAfterCents", created_at AS "createdAt", (SELECT balance_sequence FROM t) AS "balanceSequence"`;
  if (rows.length === 0) throw await insufficientFunds(deps.db, m.tenantId, m.amountCents, opts.insufficientCode ?? 'balance_insufficient');
  announce(deps, { tenantId: m.tenantId, ...changeOf(rows[0]) }, { mayAutoRecharge: opts.triggersAutoRecharge !== false });
  return rows[0];
}

export async function credit(deps: ServiceDeps, m: Movement): Promise<PostedEntry> {
  assertPositive(m.amountCents);
  const rows = await deps.db.$queryRaw<PostedEntry[]>`${Prisma.raw(PREPARED)}
    WITH t AS (
      UPDATE tenants SET balance_cents = balance_cents + ${m.amountCents}, balance_sequence = balance_sequence + 1, updated_at = now()
      WHERE id = ${m.tenantId}::uuid
      RETURNING id, balance_cents, balance_sequence)
    INSERT INTO ledger_entries (tenant_id, kind, amount_cents, balance_after_cents, reference_type, reference_id, description, dedupe_key)
    SELECT t.id, ${m.kind}::ledger_kind, ${m.amountCents}, t.balance_cents, ${m.reference?.type ?? null}, ${m.reference?.id ?? null}, ${m.description}, ${m.dedupeKey ?? null}
    FROM t
    RETURNING id, balance_after_cents AS "balanceAfterCents", created_at AS "createdAt", (SELECT balance_sequence FROM t) AS "balanceSequence"`;
  if (rows.length === 0) throw new ApiError('not_found', 'Account not found');
  announce(deps, { tenantId: m.tenantId, ...changeOf(rows[0]) }, { mayAutoRecharge: false });
  return rows[0];
}

/** One change of a tenant's balance, as balanceChanged subscribers are told of it. */
export interface BalanceChange {
  tenantId: string;
  balanceAfterCents: bigint;
  /** The ledger entry that moved the balance; the credit hold's id for a hold settled without one. */
  eventId: string;
  /** The tenant's `balance_sequence` after the change, bumped by the statement that made it. */
  sequence: bigint;
}

function changeOf(entry: PostedEntry): Omit<BalanceChange, 'tenantId'> {
  return { balanceAfterCents: entry.balanceAfterCents, eventId: entry.id, sequence: entry.balanceSequence };
}

/** After commit: subscribers hear of the new balance; a debit may trigger auto-recharge. */
export function announce(deps: ServiceDeps, change: BalanceChange, opts: { mayAutoRecharge: boolean }): void {
  const { tenantId, balanceAfterCents } = change;
  afterCommit(deps.db, () => {
    deps.pubSub.publish('BALANCE_CHANGED', tenantId, {
      tenantId,
      balanceAfterCents: balanceAfterCents.toString(),
      eventId: change.eventId,
      sequence: Number(change.sequence),
      committedAt: new Date().toISOString(),
    });
    if (opts.mayAutoRecharge) balanceListeners.forEach((listener) => listener(tenantId, balanceAfterCents));
  });
}

type BalanceListener = (tenantId: string, balanceAfterCents: bigint) => void;
const balanceListeners = new Set<BalanceListener>();

/** Auto-recharge listens here for debits (registered once by the app; the listener returns an unsubscribe). */
export function onDebit(listener: BalanceListener): () => void {
  balanceListeners.add(listener);
  return () => balanceListeners.delete(listener);
}

/** Why a debit could not happen: a failed auto-recharge is reported as such, so the user fixes the card. */
export async function insufficientFunds(db: Db, tenantId: string, amountCents: bigint, code: ErrorCode): Promise<ApiError> {
  const failed = await db.autoRechargeSetting.findFirst({ where: { tenantId, failedAt: { not: null } }, select: { failureReason: true } });
  if (failed) {
    return new ApiError('auto_recharge_failed', `The last auto-recharge failed (${failed.failureReason ?? 'card declined'}); attach a working card and re-enable auto-recharge`);
  }
  return new ApiError(code, `The balance cannot cover ${amountCents} cents; top up first`);
}

function assertPositive(amount: bigint): void {
  if (amount <= 0n) throw new Error(`ledger movements take a positive amount, got ${amount}`);
}

export interface LedgerMismatch {
  tenantId: string;
  balanceCents: bigint;
  ledgerSumCents: bigint;
  heldCents: bigint;
  activeHoldsCents: bigint;
}

/** Every tenant whose cached balance or held amount disagrees with its ledger and holds (`npm run ledger:verify`). */
export async function verifyLedger(db: Db): Promise<LedgerMismatch[]> {
  return db.$queryRaw<LedgerMismatch[]>`
    SELECT t.id AS "tenantId", t.balance_cents AS "balanceCents", COALESCE(l.sum, 0)::bigint AS "ledgerSumCents",
           t.held_cents AS "heldCents", COALESCE(h.sum, 0)::bigint AS "activeHoldsCents"
    FROM tenants t
    LEFT JOIN (SELECT tenant_id, SUM(amount_cents) AS sum FROM ledger_entries GROUP BY tenant_id) l ON l.tenant_id = t.id
    LEFT JOIN (SELECT tenant_id, SUM(amount_cents) AS sum FROM credit_holds WHERE status = 'active' GROUP BY tenant_id) h ON h.tenant_id = t.id
    WHERE t.balance_cents <> COALESCE(l.sum, 0) OR t.held_cents <> COALESCE(h.sum, 0)`;
}
