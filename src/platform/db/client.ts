import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { Prisma, PrismaClient } from '../../generated/prisma/client';
import { statementName } from './prepared';
import { attachSql } from './sql';

export { Prisma, PrismaClient };
/** What services accept: the client itself or the transaction they are composed into. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  /** Called for every SQL statement; the N+1 tests and the bench count statements with it. */
  onQuery?: (sql: string) => void;
  /** How long a query may wait for a connection (to open one, or for a busy pool to free one); 5 s by default. */
  connectionWaitMs?: number;
}

export function createPrismaClient(opts: DatabaseOptions): PrismaClient {
  const pool = new Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    // A dead database must fail requests quickly (503), not hang them until a client gives up.
    connectionTimeoutMillis: opts.connectionWaitMs ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies (the server restarted, an administrator ended it) only leaves the pool, and the
  // next query opens another. Without a listener that error would end the process; the pool can be used by
  // hand-written SQL before Prisma attaches its own.
  pool.on('error', () => undefined);
  // The same for a connection while it is checked out: pg-pool takes its own listener off for that time, and each
  // user (Prisma's transactions, plain transactions, pool.query) puts one on for its own span only. A restart of
  // PostgreSQL once cut a connection outside every such span and ended the gateway; whatever was using it still
  // fails on its own (the connection is no longer queryable), and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // The pool is shared with hand-written SQL (./sql.ts); $disconnect still ends it.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true, statementNameGenerator: statementName });
  const onQuery = opts.onQuery;
  if (!onQuery) {
    const client = new PrismaClient({ adapter });
    attachSql(client, pool);
    return client;
  }
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (e: Prisma.QueryEvent) => onQuery(e.query));
  attachSql(client, pool, onQuery);
  return client;
}
