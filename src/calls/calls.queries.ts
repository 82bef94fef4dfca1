import { CallDirection, CallStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { invalidRequest } from '../platform/errors';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { CALL_SELECT, CallView } from './calls.events';

export interface CallFilter {
  status?: CallStatus | null;
  direction?: CallDirection | null;
  from?: string | null;
  to?: string | null;
  /** Placed at or after. */
  placedAfter?: Date | null;
  /** Placed before. */
  placedBefore?: Date | null;
}

/** The tenant's calls, newest first (GET /v1/calls, the `calls` connection). */
export async function listCalls(deps: ServiceDeps, actor: Actor, filter: CallFilter, page: PageArgs): Promise<Page<CallView>> {
  requireScope(actor, 'calls:read');
  if (filter.placedAfter && filter.placedBefore && filter.placedAfter >= filter.placedBefore) throw invalidRequest('placed_after must be before placed_before', 'placed_after');
  const range = filter.placedAfter || filter.placedBefore ? { createdAt: { ...(filter.placedAfter ? { gte: filter.placedAfter } : {}), ...(filter.placedBefore ? { lt: filter.placedBefore } : {}) } } : {};
  return paginate(page, (take, cursor) =>
    deps.db.call.findMany({
      where: {
        tenantId: actor.tenantId,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.direction ? { direction: filter.direction } : {}),
        ...(filter.from ? { fromNumber: filter.from } : {}),
        ...(filter.to ? { toNumber: filter.to } : {}),
        ...range,
        // Both conditions on created_at must hold together with the cursor's OR.
        ...(Object.keys(cursor).length ? { AND: [cursor] } : {}),
      },
      orderBy: NEWEST_FIRST,
      take,
      select: CALL_SELECT,
    }),
  );
}

export interface CallTransitionView {
  id: bigint;
  callId: string;
  fromStatus: CallStatus | null;
  toStatus: CallStatus;
  eventId: string | null;
  sequence: number | null;
  eventType: string | null;
  occurredAt: Date;
}

/** Every transition of these calls, oldest first (the loader's batch; call ids already tenant-checked). */
export async function transitionsOf(db: Db, callIds: readonly string[]): Promise<CallTransitionView[]> {
  const rows = await db.callTransition.findMany({
    where: { callId: { in: [...callIds] } },
    orderBy: { id: 'asc' },
    select: { id: true, callId: true, fromStatus: true, toStatus: true, eventId: true, occurredAt: true, event: { select: { sequence: true, type: true } } },
  });
  return rows.map(({ event, ...t }) => ({ ...t, sequence: event ? Number(event.sequence) : null, eventType: event?.type ?? null }));
}

export interface CallChargeView {
  ledgerEntryId: string;
  amountCents: bigint;
  balanceAfterCents: bigint;
  description: string;
  createdAt: Date;
}

/** Ledger entries by id, scoped to one tenant (the loader's batch). */
export async function chargesByIds(db: Db, tenantId: string, ids: readonly string[]): Promise<CallChargeView[]> {
  const rows = await db.ledgerEntry.findMany({
    where: { tenantId, id: { in: [...ids] } },
    select: { id: true, amountCents: true, balanceAfterCents: true, description: true, createdAt: true },
  });
  // The ledger stores a debit as a negative amount; a charge is shown as what was charged.
  return rows.map((r) => ({ ledgerEntryId: r.id, amountCents: -r.amountCents, balanceAfterCents: r.balanceAfterCents, description: r.description, createdAt: r.createdAt }));
}
