import { CallDirection, CallStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { columns, int8, joinedPage, narrowed } from '../platform/db/columns';
import { PREPARED_WHEN_HOT } from '../platform/db/prepared';
import { Conditions, sqlOf } from '../platform/db/sql';
import { invalidRequest } from '../platform/errors';
import { NEWEST_FIRST, Page, PageArgs, paginate, paginateSql } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { CONNECTION_COLUMNS, ConnectionView } from '../numbers/connections.service';
import { NUMBER_COLUMNS } from '../numbers/numbers.service';
import { PhoneNumberView } from '../numbers/numbers.service';
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

/** CALL_SELECT as hand-written SQL (a test reads the same calls both ways). */
export const CALL_COLUMNS = columns<CallView>({
  id: 'id', tenantId: 'tenant_id', direction: 'direction', fromNumber: 'from_number', toNumber: 'to_number', phoneNumberId: 'phone_number_id',
  connectionId: 'connection_id', destinationCountry: 'destination_country', carrierCostPerMinuteMillicents: 'carrier_cost_per_minute_millicents',
  status: 'status', timeoutSecs: 'timeout_secs', answeringMachineDetection: 'answering_machine_detection', record: 'record', amdResult: 'amd_result',
  upstreamCallId: 'upstream_call_id', hangupCause: 'hangup_cause', hangupSource: 'hangup_source', queuedAt: 'queued_at', initiatedAt: 'initiated_at',
  ringingAt: 'ringing_at', answeredAt: 'answered_at', endedAt: 'ended_at', billableSeconds: 'billable_seconds', includedSeconds: 'included_seconds',
  markupBps: 'markup_bps', holdId: 'hold_id', chargeCents: int8('charge_cents'), chargeLedgerEntryId: 'charge_ledger_entry_id', createdAt: 'created_at',
  bridgedCallId: 'bridged_call_id', bridgedAt: 'bridged_at', screening: 'screening',
});

/**
 * What a page of calls must read, from the GraphQL selection: the call fields (view names), and the rows its
 * nodes point at, each with the fields wanted of it. A relation left out is not joined (its field resolver
 * falls back to its loader); `fields` undefined, or naming a field that is not a column, reads every column.
 */
export interface CallsShape {
  fields?: ReadonlySet<string>;
  phoneNumber?: ReadonlySet<string>;
  connection?: ReadonlySet<string>;
  /** CallChargeView names. */
  charge?: ReadonlySet<string>;
}

/**
 * A listed call with the rows its shape joined (undefined = not read; null = the call points at nothing). GraphQL
 * answers those fields from here without running their resolvers (graphql/included.ts).
 */
export interface ListedCall extends CallView {
  included?: { phoneNumber?: PhoneNumberView | null; connection?: ConnectionView | null; charge?: CallChargeView | null };
}

/**
 * The tenant's calls, newest first (GET /v1/calls, the `calls` connection). A hot read (dashboards poll it), so it
 * is one hand-written statement reading only the columns the selection shows, which also joins the number,
 * connection and charge when asked: a page of 100 calls with all three is one statement, not four. A shape polled
 * again and again is planned once per connection (PREPARED_WHEN_HOT). Inside a transaction it reads every column
 * through Prisma, and the loaders fetch what it points at.
 */
export async function listCalls(deps: ServiceDeps, actor: Actor, filter: CallFilter, page: PageArgs, shape: CallsShape = {}): Promise<Page<ListedCall>> {
  requireScope(actor, 'calls:read');
  if (filter.placedAfter && filter.placedBefore && filter.placedAfter >= filter.placedBefore) throw invalidRequest('placed_after must be before placed_before', 'placed_after');
  const sql = sqlOf(deps.db);
  if (!sql) return listCallsInTransaction(deps.db, actor, filter, page);
  const w = new Conditions();
  w.and(`c.tenant_id = ${w.p(actor.tenantId)}::uuid`);
  if (filter.status) w.and(`c.status = ${w.p(filter.status)}::call_status`);
  if (filter.direction) w.and(`c.direction = ${w.p(filter.direction)}::call_direction`);
  if (filter.from) w.and(`c.from_number = ${w.p(filter.from)}`);
  if (filter.to) w.and(`c.to_number = ${w.p(filter.to)}`);
  if (filter.placedAfter) w.and(`c.created_at >= ${w.p(filter.placedAfter)}::timestamptz`);
  if (filter.placedBefore) w.and(`c.created_at < ${w.p(filter.placedBefore)}::timestamptz`);
  // The cursor needs id and created_at whatever is shown.
  const call = narrowed(CALL_COLUMNS, shape.fields, ['id', 'createdAt']);
  const listed = joinedPage(call, 'calls', 'c', {
    phoneNumber: shape.phoneNumber && { columns: narrowed(NUMBER_COLUMNS, shape.phoneNumber, ['id']), table: 'phone_numbers', alias: 'n', on: 'n.id = c.phone_number_id' },
    connection: shape.connection && { columns: narrowed(CONNECTION_COLUMNS, shape.connection, ['id']), table: 'connections', alias: 'k', on: 'k.id = c.connection_id' },
    charge: shape.charge && {
      columns: narrowed(CHARGE_COLUMNS, [...shape.charge].map((f) => (f === 'ledgerEntryId' ? 'id' : f)), ['id']),
      table: 'ledger_entries', alias: 'l', on: 'l.id = c.charge_ledger_entry_id', as: chargeOf,
    },
  });
  return paginateSql(page, w, 'c', async (take) => {
    const rows = await sql.rows(`${PREPARED_WHEN_HOT} SELECT ${listed.select} FROM ${listed.from} WHERE ${w.sql} ORDER BY c.created_at DESC, c.id DESC LIMIT ${take}`, w.values);
    return rows.map((row) => listed.read(row) as ListedCall);
  });
}

function listCallsInTransaction(db: Db, actor: Actor, filter: CallFilter, page: PageArgs): Promise<Page<CallView>> {
  const range = filter.placedAfter || filter.placedBefore ? { createdAt: { ...(filter.placedAfter ? { gte: filter.placedAfter } : {}), ...(filter.placedBefore ? { lt: filter.placedBefore } : {}) } } : {};
  return paginate(page, (take, cursor) =>
    db.call.findMany({
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
  const sql = sqlOf(db);
  const rows = sql
    ? (await sql.rows(`SELECT ${CHARGE_COLUMNS.list('l')} FROM ledger_entries l WHERE l.tenant_id = $1::uuid AND l.id = ANY($2::uuid[])`, [tenantId, ids])).map(CHARGE_COLUMNS.map)
    : await db.ledgerEntry.findMany({ where: { tenantId, id: { in: [...ids] } }, select: CHARGE_SELECT });
  return rows.map((r) => chargeOf(r)!);
}

/** The ledger stores a debit as a negative amount; a charge is shown as what was charged. */
function chargeOf(r: ChargeRow | null): CallChargeView | null {
  // (A narrowed row may lack amountCents: then it is not shown either.)
  return r && { ledgerEntryId: r.id, amountCents: r.amountCents === undefined ? r.amountCents : -r.amountCents, balanceAfterCents: r.balanceAfterCents, description: r.description, createdAt: r.createdAt };
}

interface ChargeRow {
  id: string;
  amountCents: bigint;
  balanceAfterCents: bigint;
  description: string;
  createdAt: Date;
}

const CHARGE_SELECT = { id: true, amountCents: true, balanceAfterCents: true, description: true, createdAt: true } as const;
const CHARGE_COLUMNS = columns<ChargeRow>({
  id: 'id', amountCents: int8('amount_cents'), balanceAfterCents: int8('balance_after_cents'), description: 'description', createdAt: 'created_at',
});
