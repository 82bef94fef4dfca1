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
// transaction runs unchanged. A model query (a rare branch: a call ending while it records) is refused: the
// plain transaction rolls back, even if the work caught the refusal, and the work runs again from the start in
// an ordinary transaction. So the work must have no effect outside the database before its model queries.
// afterCommit hooks run after the commit, as for inTransaction.

const INT8 = 20;
const parseInt8 = (value: string) => BigInt(value);
/** Prisma's typing of results: int8 as bigint, everything else as node-postgres parses it. */
const PRISMA_TYPES = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? parseInt8 : types.getTypeParser(oid, format))) as typeof types.getTypeParser };

/** Milliseconds a plain transaction's statement may run, or the transaction sit idle between statements. */
export const PLAIN_TRANSACTION_TIMEOUT_MS = 15_000;
const BEGIN = `BEGIN; SET LOCAL statement_timeout = ${PLAIN_TRANSACTION_TIMEOUT_MS}; SET LOCAL idle_in_transaction_session_timeout = ${PLAIN_TRANSACTION_TIMEOUT_MS}`;

/** A model query asked of a plain transaction. */
export class NeedsClientTransaction extends Error {}

class RawOnly {
  /** Set when a model query was refused: the transaction must not commit. */
  refused = false;

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
  // A checked-out connection that the server drops (a restart) emits 'error' with nobody listening, which would
  // end the process; the statement in flight fails on its own, and the connection is not reused.
  const dropped = () => void (broken = true);
  client.on('error', dropped);
  let released = false;
  const raw = new RawOnly(client, sql.onQuery);
  try {
    // What Prisma's transaction timeout bounded, bounded here by the server, in the same round trip as BEGIN: no
    // statement (a lock wait) and no pause of the gateway's between statements lasts past it.
    await client.query(BEGIN);
    const tx = new Proxy(raw, {
      get(target, prop, receiver) {
        if (prop in target || typeof prop === 'symbol' || prop === 'then') return Reflect.get(target, prop, receiver);
        target.refused = true;
        throw new NeedsClientTransaction(`${String(prop)} is not available in a plain transaction (raw statements only)`);
      },
    }) as unknown as Prisma.TransactionClient;
    const result = await runInTransactionScope(tx, async () => {
      const value = await work(tx);
      if (raw.refused) throw new NeedsClientTransaction('the work needed a model query');
      sql.onQuery?.('COMMIT');
      await client.query('COMMIT');
      return value;
    });
    return result;
  } catch (err) {
    // A connection whose ROLLBACK failed is not given back to the pool in an unknown state.
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.removeListener('error', dropped);
    client.release(broken || undefined);
    released = true;
    // Refused (whatever the work made of the refusal): from the start, in an ordinary transaction.
    if (err instanceof NeedsClientTransaction || raw.refused) return inTransaction(db, work);
    throw err;
  } finally {
    if (!released) {
      client.removeListener('error', dropped);
      client.release(broken || undefined);
    }
  }
}
