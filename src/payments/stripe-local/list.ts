import { invalidRequest } from './errors';
import { Params } from './params';

export interface ListObject {
  object: 'list';
  data: unknown[];
  has_more: boolean;
  url: string;
}

/**
 * Stripe's list envelope and cursor pagination: newest first, `limit` 1–100 (default 10), `starting_after` /
 * `ending_before` name an object of the list. Callers filter; this pages and renders.
 */
export function paginate<T extends { id: string; _seq: number }>(
  items: T[],
  params: Params,
  url: string,
  render: (item: T) => unknown,
): ListObject {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const after = params.string('starting_after');
  const before = params.string('ending_before');
  const sorted = [...items].sort((a, b) => b._seq - a._seq);
  let page: T[];
  let hasMore: boolean;
  if (before !== undefined) {
    const index = cursorIndex(sorted, before, 'ending_before');
    const start = Math.max(0, index - limit);
    page = sorted.slice(start, index);
    hasMore = start > 0;
  } else {
    const start = after !== undefined ? cursorIndex(sorted, after, 'starting_after') + 1 : 0;
    page = sorted.slice(start, start + limit);
    hasMore = start + limit < sorted.length;
  }
  return { object: 'list', data: page.map(render), has_more: hasMore, url };
}

function cursorIndex(items: Array<{ id: string }>, id: string, param: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index === -1) throw invalidRequest(`No such object: '${id}'`, { param, code: 'resource_missing' });
  return index;
}

/** `created=123` or `created[gte]=…&created[lt]=…`, as every Stripe list accepts. */
export function createdFilter(params: Params, name = 'created'): (created: number) => boolean {
  if (!params.has(name)) return () => true;
  const exact = params.raw[name];
  if (typeof exact === 'string') {
    const at = params.integer(name);
    return (created) => created === at;
  }
  const range = params.object(name)!.allow(['gt', 'gte', 'lt', 'lte']);
  const gt = range.integer('gt');
  const gte = range.integer('gte');
  const lt = range.integer('lt');
  const lte = range.integer('lte');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}
