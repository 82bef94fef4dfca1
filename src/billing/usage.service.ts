import { LedgerKind } from '../generated/prisma/client';
import { Actor, requireScope } from '../platform/auth/scopes';
import { invalidRequest } from '../platform/errors';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { startOfUtcMonth } from '../platform/clock';

export interface LedgerFilter {
  kind?: LedgerKind | null;
  from?: Date | null;
  to?: Date | null;
}

export interface LedgerEntryView {
  id: string;
  kind: LedgerKind;
  amountCents: bigint;
  balanceAfterCents: bigint;
  referenceType: string | null;
  referenceId: string | null;
  description: string;
  createdAt: Date;
}

/** The tenant's ledger, newest first (GET /v1/ledger, the `ledgerEntries` connection). */
export async function listLedgerEntries(deps: ServiceDeps, actor: Actor, filter: LedgerFilter, page: PageArgs): Promise<Page<LedgerEntryView>> {
  requireScope(actor, 'billing:read');
  checkRange(filter.from, filter.to);
  return paginate(page, (take, cursor) =>
    deps.db.ledgerEntry.findMany({
      where: {
        tenantId: actor.tenantId,
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.from || filter.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
        ...cursor,
      },
      orderBy: NEWEST_FIRST,
      take,
      select: { id: true, kind: true, amountCents: true, balanceAfterCents: true, referenceType: true, referenceId: true, description: true, createdAt: true },
    }),
  );
}

export interface UsageView {
  from: Date;
  to: Date;
  /** Everything debited in the range, as a positive number. */
  spendCents: bigint;
  creditedCents: bigint;
  byKind: { kind: LedgerKind; count: number; amountCents: bigint }[];
}

/** Spend and counts by kind over [from, to), by default this UTC month so far (GET /v1/usage, the `usage` query). */
export async function usage(deps: ServiceDeps, actor: Actor, range: { from?: Date | null; to?: Date | null }): Promise<UsageView> {
  requireScope(actor, 'billing:read');
  const to = range.to ?? deps.clock.now();
  const from = range.from ?? startOfUtcMonth(to);
  checkRange(from, to);
  const rows = await deps.db.$queryRaw<{ kind: LedgerKind; count: bigint; amount: bigint; debited: bigint; credited: bigint }[]>`
    SELECT kind::text AS kind, count(*) AS count, sum(amount_cents)::bigint AS amount,
           sum(CASE WHEN amount_cents < 0 THEN -amount_cents ELSE 0 END)::bigint AS debited,
           sum(CASE WHEN amount_cents > 0 THEN amount_cents ELSE 0 END)::bigint AS credited
    FROM ledger_entries
    WHERE tenant_id = ${actor.tenantId}::uuid AND created_at >= ${from} AND created_at < ${to}
    GROUP BY kind ORDER BY kind`;
  const byKind = rows.map((r) => ({ kind: r.kind, count: Number(r.count), amountCents: r.amount }));
  const spendCents = rows.reduce((sum, r) => sum + r.debited, 0n);
  const creditedCents = rows.reduce((sum, r) => sum + r.credited, 0n);
  return { from, to, spendCents, creditedCents, byKind };
}

function checkRange(from: Date | null | undefined, to: Date | null | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) throw invalidRequest('from must be before to', 'from');
}
