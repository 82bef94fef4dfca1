import { Conditions } from './db/sql';
import { invalidRequest } from './errors';
import { isUuid } from './ids';

// Cursor pagination, newest first (like Stripe's lists). The cursor is the (created_at, id) of the last row
// seen, opaque to clients: Relay connections in GraphQL, `?cursor=&limit=` + `meta.next_cursor` in REST.

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: Position): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw invalidRequest('cursor is not one this API returned', 'cursor');
  return { createdAt, id };
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw invalidRequest(`limit must be between 1 and ${MAX_PAGE_SIZE}`, 'limit');
  return first;
}

/** The Prisma `where` for rows after the cursor, in (created_at DESC, id DESC) order. */
export function afterCursor(after: string | null | undefined) {
  if (!after) return {};
  const { createdAt, id } = decodeCursor(after);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Fetches one row more than asked, to know whether there is a next page without a count. */
export async function paginate<T extends Position>(args: PageArgs, fetch: (take: number, cursorWhere: ReturnType<typeof afterCursor>) => Promise<T[]>): Promise<Page<T>> {
  const size = pageSize(args.first);
  return pageOf(size, await fetch(size + 1, afterCursor(args.after)));
}

/**
 * The same page over hand-written SQL: adds the cursor's condition on `alias` to `where`, then `fetch` reads
 * `take` rows ordered `created_at DESC, id DESC`.
 */
export async function paginateSql<T extends Position>(args: PageArgs, where: Conditions, alias: string, fetch: (take: number) => Promise<T[]>): Promise<Page<T>> {
  const size = pageSize(args.first);
  if (args.after) {
    const { createdAt, id } = decodeCursor(args.after);
    // A row comparison: the (created_at, id) index serves it, and it is the Prisma cursor's OR in one condition.
    where.and(`(${alias}.created_at, ${alias}.id) < (${where.p(createdAt)}::timestamptz, ${where.p(id)}::uuid)`);
  }
  return pageOf(size, await fetch(size + 1));
}

function pageOf<T extends Position>(size: number, rows: T[]): Page<T> {
  const nodes = rows.slice(0, size);
  return { nodes, hasNextPage: rows.length > size, endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1]) : null };
}
