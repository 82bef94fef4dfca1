import type { RequestTenant } from './auth/authenticate';
import type { CallCarrier } from '../calls/carrier-port';
import type { NumberCarrier } from '../numbers/carrier-port';
import type { WebhookSettings } from '../config';
import type { Payments } from '../payments/payments';
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
  /** Card funding (Stripe). Absent in contexts that never move card money (the admin CLI's quota commands). */
  payments?: Payments;
  /** The upstream carrier's numbers API. Absent where numbers are never searched or ordered. */
  carrier?: NumberCarrier;
  /** The upstream carrier's calls API. Absent where calls are never placed or controlled. */
  callCarrier?: CallCarrier;
  /**
   * This process as one gateway instance among several (its id marks the calls its in-process carrier holds).
   * Absent in contexts without a carrier of their own (the admin CLI, service-level tests).
   */
  carrierInstance?: { id: string; staleAfterMs: number };
  /** Minutes of the destination's price frozen when a call is placed (CALL_HOLD_ESTIMATE_MINUTES). */
  callHoldEstimateMinutes?: number;
  /** How long an Idempotency-Key stays bound to what it did (IDEMPOTENCY_TTL_HOURS; 24 when absent). */
  idempotencyTtlHours?: number;
  /** The client outside any transaction, for work after commit (the context's `db` may be a transaction). */
  rootDb?: Db;
  /** Set for read-only operations only: the tenant row read with the API key (platform/auth/authenticate.ts). */
  requestTenant?: RequestTenant;
  /** Webhook delivery settings; absent → production defaults (private targets refused). */
  webhooks?: WebhookSettings;
}

export function requirePayments(deps: ServiceDeps): Payments {
  if (!deps.payments) throw new Error('card payments are not configured in this context');
  return deps.payments;
}

/** The same dependencies over another database handle (a transaction). */
export function withDb<T extends ServiceDeps>(deps: T, db: Db): T {
  return { ...deps, db };
}
