import { PoolClient, types } from 'pg';
import { Db, Prisma } from './client';
import { statementName } from './prepared';
import { sqlOf } from './sql';
import { inTransaction, runInTransactionScope } from './transaction';

// A transaction of raw statements on a plain pooled connection, for the hottest short transactions (a call's
// move on: lock the call, write the event with its rows, commit). Through Prisma's interactive transaction each
// of those statements paid the client's fixed cost, which on a busy gateway cost more than the database work.
//
// The work gets a transaction handle that answers the raw methods only ($queryRaw, $executeRaw and their
// Unsafe forms), with results typed as Prisma types them (int8 as bigint), so code written against a Prisma
// transaction runs unchanged; anything else (a model query) throws, so a path that needs one must use
// inTransaction. afterCommit hooks run after its commit, as for inTransaction.

const INT8 = 20;
const parseInt8 = (value: string) => BigInt(value);
/** Prisma's typing of results: int8 as bigint, everything else as node-postgres parses it. */
const PRISMA_TYPES = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? parseInt8 : types.getTypeParser(oid, format))) as typeof types.getTypeParser };

class RawOnly {
  constructor(
    private readonly client: PoolClient,
    private readonly onQuery: ((sql: string) => void) | undefined,
  ) {}

  async run(sql: Prisma.Sql | string, values: readonly unknown[]): Promise<{ rows: unknown[]; rowCount: number }> {
    const text = typeof sql === 'string' ? sql : sql.text;
    this.onQuery?.(text);
    const name = statementName({ sql: text }) || undefined;
    const result = await this.client.query({ text, values: (typeof sql === 'string' ? values : sql.values) as unknown[], name, types: PRISMA_TYPES });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  $queryRaw = async (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => (await this.run(sqlOfTemplate(query, values), [])).rows;
  $executeRaw = async (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => (await this.run(sqlOfTemplate(query, values), [])).rowCount;
  $queryRawUnsafe = async (text: string, ...values: unknown[]) => (await this.run(text, values)).rows;
  $executeRawUnsafe = async (text: string, ...values: unknown[]) => (await this.run(text, values)).rowCount;
}

function sqlOfTemplate(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): Prisma.Sql {
  return query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
}

/**
 * Runs `work` in a transaction on a plain connection (see above); inside a transaction already, or without the
 * plain pool, in an ordinary one (inTransaction).
 */
export async function inPlainTransaction<T>(db: Db, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  const sql = sqlOf(db);
  if (!sql) return inTransaction(db, work);
  const client = await sql.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const raw = new RawOnly(client, sql.onQuery);
    const tx = new Proxy(raw, {
      get(target, prop, receiver) {
        if (prop in target || typeof prop === 'symbol' || prop === 'then') return Reflect.get(target, prop, receiver);
        throw new Error(`${String(prop)} is not available in a plain transaction (raw statements only): use inTransaction`);
      },
    }) as unknown as Prisma.TransactionClient;
    const result = await runInTransactionScope(tx, async () => {
      const value = await work(tx);
      sql.onQuery?.('COMMIT');
      await client.query('COMMIT');
      return value;
    });
    return result;
  } catch (err) {
    // A connection whose ROLLBACK failed is not given back to the pool in an unknown state.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken || undefined);
  }
}
