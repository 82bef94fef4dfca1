import type { SubscribeResolverData } from 'type-graphql';
import { requireScope, Scope } from '../platform/auth/scopes';
import { PubSubTopics } from '../platform/pubsub';
import { actorFromContext, GatewayContext } from './context';

/**
 * A subscription's source: the caller's own tenant's events of `topic` (the key needs `scope`), those `accept`
 * keeps given the subscription's arguments. Topics are keyed by tenant, so a subscriber is only ever wired to its
 * own tenant's stream.
 *
 * Instead of type-graphql's topics/topicId/filter: its filter stacks a Repeater on every filtered subscription (a
 * chain of promises per event per subscriber, on top of the queue's); here the predicate runs where the event is
 * queued.
 */
export function tenantEvents<K extends keyof PubSubTopics, A = Record<string, unknown>>(topic: K, scope: Scope, accept?: (payload: PubSubTopics[K][1], args: A) => boolean) {
  return ({ args, context }: SubscribeResolverData<unknown, A, GatewayContext>) => {
    const actor = actorFromContext(context);
    requireScope(actor, scope);
    return context.pubSub.subscribe(topic, actor.tenantId, accept && ((payload: PubSubTopics[K][1]) => accept(payload, args)));
  };
}
