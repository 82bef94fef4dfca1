import { PhoneNumberStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { joinedPage, narrowed } from '../platform/db/columns';
import { PREPARED_WHEN_HOT } from '../platform/db/prepared';
import { Conditions, sqlOf } from '../platform/db/sql';
import { invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate, paginateSql } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { CONNECTION_COLUMNS, ConnectionView } from './connections.service';
import { EMERGENCY_ADDRESS_COLUMNS, EmergencyAddressView } from './emergency-addresses.service';
import { NUMBER_COLUMNS, parseNumberType, PhoneNumberView, VIEW_SELECT } from './numbers.service';

// The hot reads of numbers (the `phoneNumbers` list, and the numbers a page of calls points at) as hand-written
// SQL: Prisma's row mapping cost more CPU than the database did. Inside a transaction they read through Prisma.


export interface PhoneNumberFilter {
  status?: string | null;
  numberType?: string | null;
  connectionId?: string | null;
}

const STATUSES: readonly PhoneNumberStatus[] = ['pending', 'active', 'failed', 'released'];

/**
 * What a page of numbers must read, from the GraphQL selection: the number's fields (view names), and the rows
 * it points at, each with the fields wanted of it (see CallsShape).
 */
export interface NumbersShape {
  fields?: ReadonlySet<string>;
  connection?: ReadonlySet<string>;
  emergencyAddress?: ReadonlySet<string>;
}

/**
 * A listed number with the rows its shape joined (undefined = not read; null = it points at nothing). GraphQL
 * answers those fields from here without running their resolvers (graphql/included.ts).
 */
export interface ListedNumber extends PhoneNumberView {
  included?: { connection?: ConnectionView | null; emergencyAddress?: EmergencyAddressView | null };
}

/**
 * The tenant's numbers, newest first: one hand-written statement reading the columns the selection shows, which
 * also joins the connection and the emergency address when asked (a page of 100 with both is one statement,
 * not three). A shape polled again and again is planned once per connection (PREPARED_WHEN_HOT).
 */
export async function listPhoneNumbers(deps: ServiceDeps, actor: Actor, filter: PhoneNumberFilter, page: PageArgs, shape: NumbersShape = {}): Promise<Page<ListedNumber>> {
  requireScope(actor, 'numbers:read');
  if (filter.status && !(STATUSES as readonly string[]).includes(filter.status)) throw invalidRequest(`status must be one of ${STATUSES.join(', ')}`, 'status');
  const numberType = filter.numberType ? parseNumberType(filter.numberType) : undefined;
  if (filter.connectionId && !isUuid(filter.connectionId)) throw invalidRequest('connection_id is not a connection id', 'connection_id');
  const sql = sqlOf(deps.db);
  if (!sql) return listInTransaction(deps.db, actor, { ...filter, numberType }, page);
  const w = new Conditions();
  w.and(`n.tenant_id = ${w.p(actor.tenantId)}::uuid`);
  if (filter.status) w.and(`n.status = ${w.p(filter.status)}::phone_number_status`);
  if (numberType) w.and(`n.number_type = ${w.p(numberType)}::number_type`);
  if (filter.connectionId) w.and(`n.connection_id = ${w.p(filter.connectionId)}::uuid`);
  const number = narrowed(NUMBER_COLUMNS, shape.fields, ['id', 'createdAt']);
  const listed = joinedPage(number, 'phone_numbers', 'n', {
    connection: shape.connection && { columns: narrowed(CONNECTION_COLUMNS, shape.connection, ['id']), table: 'connections', alias: 'k', on: 'k.id = n.connection_id' },
    emergencyAddress: shape.emergencyAddress && {
      columns: narrowed(EMERGENCY_ADDRESS_COLUMNS, shape.emergencyAddress, ['id']), table: 'emergency_addresses', alias: 'a', on: 'a.id = n.emergency_address_id',
    },
  });
  return paginateSql(page, w, 'n', async (take) => {
    const rows = await sql.rows(`${PREPARED_WHEN_HOT} SELECT ${listed.select} FROM ${listed.from} WHERE ${w.sql} ORDER BY n.created_at DESC, n.id DESC LIMIT ${take}`, w.values);
    return rows.map((row) => listed.read(row) as ListedNumber);
  });
}

function listInTransaction(db: Db, actor: Actor, filter: PhoneNumberFilter, page: PageArgs): Promise<Page<PhoneNumberView>> {
  return paginate(page, (take, cursor) =>
    db.phoneNumber.findMany({
      where: {
        tenantId: actor.tenantId,
        ...(filter.status ? { status: filter.status as PhoneNumberStatus } : {}),
        ...(filter.numberType ? { numberType: filter.numberType as PhoneNumberView['numberType'] } : {}),
        ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
        ...cursor,
      },
      orderBy: NEWEST_FIRST,
      take,
      select: VIEW_SELECT,
    }),
  );
}

/** The tenant's numbers by id (a loader's batch): another tenant's id finds nothing. */
export async function phoneNumbersByIds(db: Db, tenantId: string, ids: readonly string[]): Promise<PhoneNumberView[]> {
  const sql = sqlOf(db);
  if (!sql) return db.phoneNumber.findMany({ where: { tenantId, id: { in: [...ids] } }, select: VIEW_SELECT });
  const rows = await sql.rows(`SELECT ${NUMBER_COLUMNS.list('n')} FROM phone_numbers n WHERE n.tenant_id = $1::uuid AND n.id = ANY($2::uuid[])`, [tenantId, ids]);
  return rows.map(NUMBER_COLUMNS.map);
}
