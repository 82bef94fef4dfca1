import { execute, parse } from 'graphql';
import { makeContext } from '../../src/graphql/context';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { SCOPES } from '../../src/platform/auth/scopes';
import { systemClock } from '../../src/platform/clock';
import { createPrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';

/**
 * SQL statements one execution of `query` costs, counted through Prisma's query events: the same counter the
 * N+1 tests use. Runs the operation in-process on the gateway's own schema and context.
 */
export async function statementsOf(url: string, tenantId: string, query: string): Promise<number> {
  let count = 0;
  const prisma = createPrismaClient({ url, poolSize: 2, onQuery: () => count++ });
  const pubSub = createGatewayPubSub();
  try {
    const schema = await buildGatewaySchema(pubSub);
    const actor = { tenantId, keyId: null, scopes: new Set(SCOPES), requestId: 'bench' };
    const contextValue = makeContext({ db: prisma, pubSub, clock: systemClock }, 'bench', { actor });
    count = 0;
    const result = await execute({ schema, document: parse(query), contextValue });
    if (result.errors?.length) throw new Error(`statement count: ${result.errors[0].message}`);
    return count;
  } finally {
    await pubSub.close();
    await prisma.$disconnect();
  }
}
