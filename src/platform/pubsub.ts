import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import Redis from 'ioredis';
import { setMaxListeners } from 'node:events';
import type { EventEnvelope } from '../webhooks/payload';
import { ApiError } from './errors';
import { EventQueue } from './event-queue';
import { OutageLog, watchRedisOutage } from './redis-outage';

// Topics are keyed by tenant id (publish(topic, tenantId, payload)), so a subscriber can only ever be wired to
// its own tenant's stream: isolation by construction, not by a filter that could be forgotten.
export type PubSubTopics = {
  /** The tenant's balance changed: the balance right after it, and what names and orders the change. */
  BALANCE_CHANGED: [tenantId: string, payload: BalanceChangeNotice];
  /** A phone number changed status (pending → active | failed, → released); the outbox event that recorded it. */
  NUMBER_STATUS_CHANGED: [tenantId: string, payload: NumberStatusChange];
  /** Any event of the outbox, once committed: the same envelope webhook bodies carry. */
  EVENT_RECORDED: [tenantId: string, payload: EventEnvelope];
  /** A call moved to `status`; the outbox event that recorded it (id, per-call sequence, type). */
  CALL_STATUS_CHANGED: [tenantId: string, payload: CallStatusChange];
  /** A conference (or one of its participants) changed; the outbox event that recorded it. */
  CONFERENCE_CHANGED: [tenantId: string, payload: ConferenceChange];
  /** A porting order entered a new state. */
  PORTING_ORDER_CHANGED: [tenantId: string, payload: PortingOrderChangeNotice];
};

/** The outbox event that recorded a change, as the subscriptions of one resource's changes carry it. */
interface RecordedEventRef {
  eventId: string;
  eventType: string;
  /** Per resource, from 1, in commit order (the event's own sequence). */
  sequence: number;
  /** ISO instant. */
  occurredAt: string;
}

export interface CallStatusChange extends RecordedEventRef {
  tenantId: string;
  callId: string;
  status: string;
  /** ISO instant the transition's transaction committed (stamped by the after-commit hook that publishes). */
  committedAt: string;
}

export interface BalanceChangeNotice {
  tenantId: string;
  /** Decimal cents: payloads cross Redis as JSON, which has no BigInt. */
  balanceAfterCents: string;
  /** The ledger entry that moved the balance; for a credit hold settled without one, the hold's id. */
  eventId: string;
  /** Per tenant, in commit order, one per announced change. */
  sequence: number;
  /** ISO instant the change's transaction committed. */
  committedAt: string;
}

export interface NumberStatusChange extends RecordedEventRef {
  tenantId: string;
  phoneNumberId: string;
  status: string;
  /** ISO instant the change's transaction committed. */
  committedAt: string;
}

export interface PortingOrderChangeNotice extends RecordedEventRef {
  tenantId: string;
  portingOrderId: string;
  status: string;
  /** ISO instant the change's transaction committed. */
  committedAt: string;
}

export interface ConferenceChange extends RecordedEventRef {
  tenantId: string;
  conferenceId: string;
  /** The participant the event is about (joined, left, updated); null for the conference's own events. */
  participantId: string | null;
  /** ISO instant the change's transaction committed. */
  committedAt: string;
}

type Topic = keyof PubSubTopics;

export interface PubSub {
  /** Delivers `payload` to the tenant's subscribers of `topic`, on every instance when through Redis. */
  publish<K extends Topic>(topic: K, ...args: PubSubTopics[K]): void;
  /**
   * The tenant's events of `topic` from now on (those `accept` keeps, when given), until the iterator is returned
   * or the event bus goes down.
   */
  subscribe<K extends Topic>(topic: K, tenantId: PubSubTopics[K][0], accept?: (payload: PubSubTopics[K][1]) => boolean): AsyncIterableIterator<PubSubTopics[K][1]>;
  close(): Promise<void>;
}

/**
 * Events a subscriber may fall behind by (its socket not taking them) before its subscription ends with
 * `service_unavailable`: held beyond that, a stalled client's backlog would only grow.
 */
export const MAX_EVENTS_BEHIND = 1_024;

/**
 * The pub/sub over an event target: in memory, or Redis's (one listener per subscription, each handed the same
 * payload object; through Redis, each instance parses a message once). With `bus`, subscriptions end when it
 * goes down and are refused while it is down.
 */
export function pubSubOver(target: EventTarget, bus?: BusHealth): Omit<PubSub, 'close'> {
  return {
    publish(topic, tenantId, payload) {
      target.dispatchEvent(new CustomEvent(`${topic}:${tenantId}`, { detail: payload }));
    },
    subscribe<K extends Topic>(topic: K, tenantId: PubSubTopics[K][0], accept?: (payload: PubSubTopics[K][1]) => boolean) {
      const type = `${topic}:${tenantId}`;
      // Filtered here, as the event arrives: one predicate call, not a filtering stream stacked on the queue.
      const listener = (event: Event) => {
        const payload = (event as CustomEvent<PubSubTopics[K][1]>).detail;
        try {
          if (!accept || accept(payload)) queue.push(payload);
        } catch (err) {
          queue.fail(err); // this subscription's own failure, not the publisher's or the other listeners'
        }
      };
      const stopWatching = bus?.onDown(() => queue.fail(busUnavailable()));
      const queue = new EventQueue<PubSubTopics[K][1]>(
        () => {
          stopWatching?.();
          target.removeEventListener(type, listener);
        },
        MAX_EVENTS_BEHIND,
        () => new ApiError('service_unavailable', `This subscription fell more than ${MAX_EVENTS_BEHIND} events behind; subscribe again`, { retryAfter: 2 }),
      );
      target.addEventListener(type, listener);
      if (bus && !bus.up) queue.fail(busUnavailable());
      return queue;
    },
  };
}

/** In memory for one instance; through Redis when REDIS_URL is set, so every gateway instance sees every event. */
export function createGatewayPubSub(redisUrl?: string, opts: { log?: OutageLog } = {}): PubSub {
  if (!redisUrl) return { ...pubSubOver(unboundedEventTarget()), close: async () => {} };
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  watchRedisOutage(publishClient, 'pub/sub', opts.log);
  watchRedisOutage(subscribeClient, 'pub/sub', opts.log);
  // The event target fires these commands without awaiting them: a Redis outage must not turn into an unhandled
  // rejection (which ends the process). A publish lost meanwhile reaches nobody anyway: see BusHealth below; the
  // outage itself is reported once, above.
  const report = () => undefined;
  const publisher = { publish: (channel: string, message: string) => publishClient.publish(channel, message).catch(report) };
  const subscriber = {
    on: (event: string, listener: (...args: unknown[]) => void) => subscribeClient.on(event, listener),
    subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(report),
    unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(report),
  };
  const eventTarget = createRedisEventTarget({ publishClient: publisher as unknown as Redis, subscribeClient: subscriber as unknown as Redis });
  return {
    ...pubSubOver(eventTarget, new BusHealth(subscribeClient)),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

/**
 * Node warns (MaxListenersExceededWarning) past 10 listeners of one event type on an EventTarget, taking them for
 * a leak. Here a type is a tenant's topic and each listener one live subscription, so 11 dashboards open on one
 * tenant's balance are normal traffic, not a leak. The bound that matters is enforced where subscriptions start
 * (WS_MAX_SUBSCRIPTIONS_PER_TENANT, graphql/ws-limits.ts), and every subscription removes its listener when it
 * ends; so the warning is turned off here (0 = no limit), deliberately. (The Redis event target keeps its own
 * sets of callbacks and never warns.)
 */
export function unboundedEventTarget<T extends EventTarget>(target: T = new EventTarget() as T): T {
  setMaxListeners(0, target);
  return target;
}

// While Redis is away, events published meanwhile are lost to every subscriber, silently. So a subscription is
// never left open across an outage: when the connection drops, each one ends with `service_unavailable`, and
// new ones are refused with it until Redis is back; a client subscribes again then, and refetches what it
// may have missed. (Reconnection is ioredis's own, with its backoff.)
export class BusHealth {
  private downListeners = new Set<() => void>();

  constructor(private readonly client: Redis) {
    const down = () => {
      for (const listener of [...this.downListeners]) listener();
    };
    client.on('close', down);
    client.on('end', down);
  }

  get up(): boolean {
    return this.client.status === 'ready';
  }

  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }
}

const busUnavailable = () => new ApiError('service_unavailable', 'Live updates are unavailable (the event bus is down); subscribe again shortly', { retryAfter: 2 });
