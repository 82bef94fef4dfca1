import { createParameterDecorator } from 'type-graphql';
import { Actor } from '../platform/auth/scopes';
import { actorOf, AuthResult } from '../platform/auth/authenticate';
import { Db } from '../platform/db/client';
import { PubSub } from '../platform/pubsub';

/** Built per HTTP request (and per event for subscriptions), so nothing request-scoped outlives it. */
export interface GatewayContext {
  requestId: string;
  auth: AuthResult | undefined;
  /** The Prisma client, or the transaction of an idempotent request (so its side effects and its stored response commit together). */
  db: Db;
  pubSub: PubSub;
}

/** Injects the authenticated actor; raises the authentication failure where an operation needs one. */
export function CurrentActor() {
  return createParameterDecorator<GatewayContext>(({ context }) => actorOf(context.auth));
}

export function actorFromContext(context: GatewayContext): Actor {
  return actorOf(context.auth);
}
