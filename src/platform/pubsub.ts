import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import Redis from 'ioredis';
import type { EventEnvelope } from '../webhooks/payload';

// Topics are keyed by tenant id (publish(topic, tenantId, payload)), so a subscriber can only ever be wired to
// its own tenant's stream: isolation by construction, not by a filter that could be forgotten.
export type PubSubTopics = {
  /** The balance right after the change (decimal cents: payloads cross Redis as JSON, which has no BigInt). */
  BALANCE_CHANGED: [tenantId: string, payload: { tenantId: string; balanceAfterCents: string }];
  /** A phone number changed status (pending → active | failed, → released): its id and new status. */
  NUMBER_STATUS_CHANGED: [tenantId: string, payload: { tenantId: string; phoneNumberId: string; status: string }];
  /** Any event of the outbox, once committed: the same envelope webhook bodies carry. */
  EVENT_RECORDED: [tenantId: string, payload: EventEnvelope];
  /** A call moved to `status`; the outbox event that recorded it (id, per-call sequence, type). */
  CALL_STATUS_CHANGED: [tenantId: string, payload: CallStatusChange];
  /** A conference (or one of its participants) changed; the outbox event that recorded it. */
  CONFERENCE_CHANGED: [tenantId: string, payload: ConferenceChange];
  /** A porting order entered a new state. */
  PORTING_ORDER_CHANGED: [tenantId: string, payload: { tenantId: string; portingOrderId: string; status: string }];
};

export interface CallStatusChange {
  tenantId: string;
  callId: string;
  status: string;
  eventId: string;
  eventType: string;
  sequence: number;
  /** ISO instant. */
  occurredAt: string;
}

export interface ConferenceChange {
  tenantId: string;
  conferenceId: string;
  /** The participant the event is about (joined, left, updated); null for the conference's own events. */
  participantId: string | null;
  eventId: string;
  eventType: string;
  sequence: number;
  /** ISO instant. */
  occurredAt: string;
}

export type PubSub = ReturnType<typeof createPubSub<PubSubTopics>> & { close(): Promise<void> };

/** In memory for one instance; through Redis when REDIS_URL is set, so every gateway instance sees every event. */
export function createGatewayPubSub(redisUrl?: string): PubSub {
  if (!redisUrl) return Object.assign(createPubSub<PubSubTopics>(), { close: async () => {} });
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  const pubSub = createPubSub<PubSubTopics>({ eventTarget });
  return Object.assign(pubSub, {
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  });
}
