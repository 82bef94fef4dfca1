import { Clock } from './clock';
import { Db } from './db/client';
import { PubSub } from './pubsub';

/**
 * What every service function receives besides the actor: the database (the client, or the transaction it is
 * composed into), where to publish events after commit, and the clock. The GraphQL context is one of these, so
 * resolvers pass it straight through; jobs and the admin CLI build their own.
 */
export interface ServiceDeps {
  db: Db;
  pubSub: PubSub;
  clock: Clock;
}

/** The same dependencies over another database handle (a transaction). */
export function withDb<T extends ServiceDeps>(deps: T, db: Db): T {
  return { ...deps, db };
}
