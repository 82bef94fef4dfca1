import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Db, PrismaClient } from './client';
import { statementName } from './prepared';

/**
 * Hand-written SQL on the very pool Prisma's driver adapter uses (same connections, same limits). For hot paths
 * whose cost is Prisma's client rather than the database: a page of 100 calls costs ~2 ms of CPU through the
 * client and ~0.7 ms as a plain query mapped by hand (bench/results.md, list rows), and every statement of a
 * call placement paid the client's fixed cost too. Writes go this way as single statements outside a transaction
 * (each commits on its own); a transaction of raw statements can run on one of the pool's connections
 * (./plain-transaction.ts); every other transaction stays on Prisma.
 *
 * Values come back as node-postgres parses them: timestamptz → Date, int8 → string (map it with BigInt), uuid
 * and enums → string, text[] → string[].
 */
export interface Sql {
  rows<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<R[]>;
  /** A connection of the pool to run a transaction on (./plain-transaction.ts); release it after. */
  connect(): Promise<PoolClient>;
  /** The client's statement counter, for statements run on such a connection. */
  onQuery?: (sql: string) => void;
}

const sqlByClient = new WeakMap<object, Sql>();

/** Called by createPrismaClient: `pool` is the adapter's pool, `onQuery` the same statement counter. */
export function attachSql(client: PrismaClient, pool: Pool, onQuery?: (sql: string) => void): void {
  sqlByClient.set(client, {
    async rows<R extends QueryResultRow>(text: string, values: readonly unknown[]) {
      onQuery?.(text);
      // A statement marked PREPARED (./prepared.ts) is planned once per connection, as through Prisma.
      const name = statementName({ sql: text }) || undefined;
      return (await pool.query<R>({ text, values: values as unknown[], name })).rows;
    },
    connect: () => pool.connect(),
    onQuery,
  });
}

/**
 * The plain-SQL handle of `db`, or undefined inside a transaction (a Prisma transaction client holds its own
 * connection, which these queries could not join): callers then use Prisma, so a read composed into a
 * transaction still sees that transaction's writes.
 */
export function sqlOf(db: Db): Sql | undefined {
  return sqlByClient.get(db);
}

/**
 * Runs one hand-written statement ($1, $2, … placeholders) on the plain pool, or through Prisma inside a
 * transaction. The two return int8 differently (string, bigint): statements meant for both cast int8 columns to
 * text and map them with BigInt, so either path gives the same view.
 */
export function rowsOf<R extends QueryResultRow>(db: Db, text: string, values: readonly unknown[]): Promise<R[]> {
  const sql = sqlOf(db);
  return sql ? sql.rows<R>(text, values) : db.$queryRawUnsafe<R[]>(text, ...values);
}

/**
 * The WHERE clause of a hand-written query, with its numbered parameters: `w.and(\`status = ${w.p(status)}\`)`.
 */
export class Conditions {
  readonly values: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds a parameter and returns its placeholder. */
  p(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  and(condition: string): this {
    this.parts.push(condition);
    return this;
  }

  get sql(): string {
    return this.parts.length ? this.parts.join(' AND ') : 'TRUE';
  }
}
