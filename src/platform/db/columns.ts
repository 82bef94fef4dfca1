// A hand-written select list and the mapping of its rows back to a view, for the plain-SQL read paths (./sql.ts).
// The view keeps the shape Prisma gives it (camelCase names, bigint for int8), so callers cannot tell the two
// apart; a test reads the same rows both ways and compares them, which catches a column that drifted.

/** An int8 column: node-postgres returns it as a string, the views carry bigint. */
export interface Int8Column {
  int8: string;
}
export type ColumnSpec = string | Int8Column;

export const int8 = (column: string): Int8Column => ({ int8: column });

/** At most this many narrowed lists are kept per view (one per distinct selection; documents are few). */
const MAX_NARROWED = 256;

export class Columns<T> {
  private readonly lists = new Map<string, string>();
  private readonly names = new Map<string, [string, string][]>();
  private readonly narrowed = new Map<string, Columns<T>>();
  private readonly int8Fields: string[];

  constructor(private readonly entries: readonly [string, ColumnSpec][]) {
    this.int8Fields = entries.filter(([, c]) => typeof c !== 'string').map(([field]) => field);
  }

  /**
   * `alias.column AS "field", …` (the alias is the table's in the query's FROM). With `prefix`, each is named
   * `prefix.field`: a joined table's columns, read back with `pick`.
   */
  list(alias: string, prefix?: string): string {
    const key = `${alias}|${prefix ?? ''}`;
    let list = this.lists.get(key);
    if (!list) {
      const name = (field: string) => (prefix ? `${prefix}.${field}` : field);
      list = this.entries.map(([field, c]) => `${alias}.${typeof c === 'string' ? c : c.int8} AS "${name(field)}"`).join(', ');
      this.lists.set(key, list);
    }
    return list;
  }

  /** Turns a row of that list into the view, in place. */
  map = (row: Record<string, unknown>): T => {
    for (const field of this.int8Fields) {
      const v = row[field];
      if (v !== null && v !== undefined) row[field] = BigInt(v as string);
    }
    return row as T;
  };

  /** The view of a joined table's columns listed with `prefix`; null when the join found no row (its id is null). */
  pick(row: Record<string, unknown>, prefix: string): T | null {
    let names = this.names.get(prefix);
    if (!names) {
      names = this.entries.map(([field]) => [field, `${prefix}.${field}`]);
      this.names.set(prefix, names);
    }
    if (row[`${prefix}.id`] === null) return null;
    const view: Record<string, unknown> = {};
    for (const [field, name] of names) view[field] = row[name];
    return this.map(view);
  }

  /**
   * The list narrowed to `fields` and `always` (a GraphQL selection reads only what it asks for: a page of 100
   * calls showing four fields need not parse thirty columns and seven dates per row), or undefined when one of
   * the fields is not a column here (a computed field: the caller then reads them all). The view it maps to
   * holds only those fields.
   */
  only(fields: Iterable<string>, always: readonly string[]): Columns<T> | undefined {
    const wanted = new Set([...always, ...fields]);
    const key = [...wanted].sort().join(',');
    let narrowed = this.narrowed.get(key);
    if (narrowed) return narrowed;
    const known = new Map(this.entries);
    if ([...wanted].some((field) => !known.has(field))) return undefined;
    narrowed = new Columns<T>(this.entries.filter(([field]) => wanted.has(field)));
    if (this.narrowed.size < MAX_NARROWED) this.narrowed.set(key, narrowed);
    return narrowed;
  }
}

export function columns<T>(spec: { [K in keyof T]: ColumnSpec }): Columns<T> {
  return new Columns<T>(Object.entries(spec) as [string, ColumnSpec][]);
}

/** `all` narrowed to `fields` (+ `always`), or all of it when `fields` is unknown or names a computed field. */
export function narrowed<T>(all: Columns<T>, fields: Iterable<string> | undefined, always: readonly string[]): Columns<T> {
  return (fields && all.only(fields, always)) ?? all;
}

/** A table a page joins for its nodes' related rows: `on` relates `alias` to the page's own alias. */
export interface Related<R> {
  columns: Columns<R>;
  table: string;
  alias: string;
  on: string;
  /** What the joined row (its view, or null) becomes in `included`; the view itself when absent. */
  as?: (row: never) => unknown;
}

/**
 * The select list and FROM clause of a page over `table` with the related rows its selection asks for (a relation
 * left undefined is not joined), and the reading of each result row into the node, with `included.<relation>` set
 * for every relation joined (null when the node points at no row). Every join is scoped to the page row's
 * tenant, like the loaders: a row of another tenant is never brought along.
 */
export function joinedPage<T>(base: Columns<T>, table: string, alias: string, related: Record<string, Related<unknown> | undefined>) {
  const joined = Object.entries(related).filter((e): e is [string, Related<unknown>] => e[1] !== undefined);
  const select = [base.list(alias, alias), ...joined.map(([, r]) => r.columns.list(r.alias, r.alias))].join(', ');
  const joins = joined.map(([, r]) => `LEFT JOIN ${r.table} ${r.alias} ON ${r.on} AND ${r.alias}.tenant_id = ${alias}.tenant_id`).join(' ');
  return {
    /** `SELECT ${page.select} FROM ${page.from} WHERE …` */
    select,
    from: `${table} ${alias} ${joins}`,
    read(row: Record<string, unknown>): T & { included?: Record<string, unknown> } {
      const node = base.pick(row, alias)! as T & { included?: Record<string, unknown> };
      if (joined.length) {
        node.included = {};
        for (const [name, r] of joined) {
          const view = r.columns.pick(row, r.alias);
          node.included[name] = r.as ? (r.as as (row: unknown) => unknown)(view) : view;
        }
      }
      return node;
    },
  };
}
