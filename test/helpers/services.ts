import { systemClock, Clock } from '../../src/platform/clock';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { ServiceDeps } from '../../src/platform/service-deps';
import { createTenant } from '../../src/tenants/tenant.service';
import { credit } from '../../src/billing/ledger.service';
import { testDatabaseUrl, truncateAll } from './database';

/** Service dependencies over this worker's database (emptied first), with a pool big enough to really race. */
export async function serviceDeps(opts: { poolSize?: number; clock?: Clock } = {}): Promise<ServiceDeps & { prisma: PrismaClient; close(): Promise<void> }> {
  const url = await testDatabaseUrl();
  await truncateAll(url);
  // Tests race more operations than the pool has connections (100 debits on 40): on a loaded machine the last
  // in the queue may wait longer for one than the gateway's 5 s, which is not what they test.
  const prisma = createPrismaClient({ url, poolSize: opts.poolSize ?? 30, connectionWaitMs: 60_000 });
  const pubSub = createGatewayPubSub();
  return { db: prisma, prisma, pubSub, clock: opts.clock ?? systemClock, close: () => prisma.$disconnect() };
}

/** A tenant with `balanceCents` of credit, put there the only way money moves: a ledger entry. */
export async function fundedTenant(deps: ServiceDeps, balanceCents: bigint, creditLimitCents = 0n): Promise<string> {
  const tenant = await createTenant(deps.db, { name: `Tenant ${Math.random().toString(36).slice(2, 8)}`, creditLimitCents }, 'test');
  if (balanceCents > 0n) await credit(deps, { tenantId: tenant.id, kind: 'adjustment', amountCents: balanceCents, description: 'test funding' });
  return tenant.id;
}
