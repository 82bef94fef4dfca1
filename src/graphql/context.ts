import { createParameterDecorator } from 'type-graphql';
import { Actor } from '../platform/auth/scopes';
import { actorOf, AuthResult } from '../platform/auth/authenticate';
import { Db } from '../platform/db/client';
import { ServiceDeps } from '../platform/service-deps';

/** Built per HTTP request (and per event for subscriptions), so nothing request-scoped outlives it. */
export interface GatewayContext extends ServiceDeps {
  requestId: string;
  auth: AuthResult | undefined;
  /** The Prisma client, or the transaction of an idempotent request (so its side effects and its stored response commit together). */
  db: Db;
  /** The request's idempotency key, when it has one: services derive upstream keys (Stripe's) from it. */
  idempotencyKey?: string;
}

/** Injects the authenticated actor; raises the authentication failure where an operation needs one. */
export function CurrentActor() {
  return createParameterDecorator<GatewayContext>(({ context }) => actorOf(context.auth));
}

/** The context of one operation: the shared service dependencies, who is calling, and the database handle to use. */
export function makeContext(base: ServiceDeps, requestId: string, auth: AuthResult | undefined, db: Db = base.db, idempotencyKey?: string): GatewayContext {
  return { db, pubSub: base.pubSub, clock: base.clock, payments: base.payments, carrier: base.carrier, webhooks: base.webhooks, callCarrier: base.callCarrier, callHoldEstimateMinutes: base.callHoldEstimateMinutes, idempotencyTtlHours: base.idempotencyTtlHours, carrierInstance: base.carrierInstance, rootDb: base.rootDb ?? base.db, requestId, auth, idempotencyKey };
}

export function actorFromContext(context: GatewayContext): Actor {
  return actorOf(context.auth);
}
