import { Db } from './db/client';
import { inTransaction } from './db/transaction';

export type Locked<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs `work` while this process holds the Postgres advisory lock named `name`, or not at all when another
 * session holds it. The lock belongs to a transaction that only waits: `work` uses the pool and commits as it
 * goes, so it may call slow services (Stripe) without a long transaction of its own. Should the process die,
 * its connection closes and Postgres releases the lock; nothing is left to clean up.
 */
export async function withAdvisoryLock<T>(db: Db, name: string, work: () => Promise<T>, opts: { timeoutMs: number }): Promise<Locked<T>> {
  return inTransaction(
    db,
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtextextended(${name}, 0)) AS locked`;
      if (!locked) return { acquired: false as const };
      return { acquired: true as const, result: await work() };
    },
    { timeoutMs: opts.timeoutMs },
  );
}
