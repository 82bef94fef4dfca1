import { Db, Prisma, PrismaClient } from './client';

type Hook = () => unknown;

// Work to run once the outermost transaction has committed (publishing events, waking job workers).
// Keyed by the transaction client, so a use case nested inside another one's transaction shares its hooks
// and nothing is published for a transaction that rolled back.
const pendingHooks = new WeakMap<object, Hook[]>();

export interface TransactionOptions {
  /** Milliseconds the transaction may stay open; external calls (Stripe) inside one need more than the default. */
  timeoutMs?: number;
}

export function isInTransaction(db: Db): db is Prisma.TransactionClient {
  return pendingHooks.has(db);
}

/** Runs `fn` in a transaction, or inside the caller's when `db` already is one. */
export async function inTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  if (isInTransaction(db)) return fn(db);
  const hooks: Hook[] = [];
  const result = await (db as PrismaClient).$transaction(
    async (tx) => {
      pendingHooks.set(tx, hooks);
      return fn(tx);
    },
    { maxWait: 10_000, timeout: opts.timeoutMs ?? 15_000 },
  );
  runHooks(hooks);
  return result;
}

/**
 * For a transaction run other than by inTransaction (./plain-transaction.ts): `tx` is its handle, and `work`
 * resolves once it has committed; the hooks scheduled on `tx` meanwhile run then.
 */
export async function runInTransactionScope<T>(tx: object, work: () => Promise<T>): Promise<T> {
  const hooks: Hook[] = [];
  pendingHooks.set(tx, hooks);
  const result = await work();
  runHooks(hooks);
  return result;
}

/** Schedules `hook` after the commit of the transaction `db` belongs to, or now when `db` is not one. */
export function afterCommit(db: Db, hook: Hook): void {
  const hooks = pendingHooks.get(db);
  if (hooks) hooks.push(hook);
  else runHooks([hook]);
}

function runHooks(hooks: Hook[]): void {
  for (const hook of hooks) {
    // A failing subscriber must not turn a committed change into an error for the caller.
    Promise.resolve()
      .then(hook)
      .catch((err) => process.emitWarning(`after-commit hook failed: ${(err as Error).message}`));
  }
}
