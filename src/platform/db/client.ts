import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../../generated/prisma/client';

export { Prisma, PrismaClient };
/** What services accept: the client itself or the transaction they are composed into. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  /** Called for every SQL statement; the N+1 tests and the bench count statements with it. */
  onQuery?: (sql: string) => void;
}

export function createPrismaClient(opts: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: opts.url,
    max: opts.poolSize,
    // A dead database must fail requests quickly (503), not hang them until a client gives up.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  if (!opts.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = opts.onQuery;
  client.$on('query', (e: Prisma.QueryEvent) => onQuery(e.query));
  return client;
}
