import { randomUUID } from 'node:crypto';
import { PubSub, PubSubTopics, pubSubOver, unboundedEventTarget } from '../../src/platform/pubsub';
import { waitFor } from './wait';

/**
 * The in-memory event target of a test gateway's pub/sub, counting listeners per routed topic (`TOPIC:tenantId`).
 * A graphql-ws subscription is live exactly when its listener is added here, so a test can wait for that instead
 * of pausing and hoping the server got there first (a loaded machine takes longer than any fixed pause).
 */
class ObservedEventTarget extends EventTarget {
  private readonly listeners = new Map<string, number>();
  private readonly waiters: Array<{ type: string; count: number; resolve: () => void }> = [];

  override addEventListener(...[type, callback, options]: Parameters<EventTarget['addEventListener']>): void {
    super.addEventListener(type, callback, options);
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    for (const w of this.waiters.filter((w) => w.type === type && this.count(type) >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  override removeEventListener(...[type, callback, options]: Parameters<EventTarget['removeEventListener']>): void {
    super.removeEventListener(type, callback, options);
    this.listeners.set(type, Math.max(0, (this.listeners.get(type) ?? 0) - 1));
  }

  count(type: string): number {
    return this.listeners.get(type) ?? 0;
  }

  until(type: string, count: number, timeoutMs: number): Promise<void> {
    if (this.count(type) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.count(type)}/${count} subscribers on ${type} after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ type, count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

export interface ObservedPubSub {
  pubSub: PubSub;
  /** Resolves once `count` subscriptions listen to `topic` for `tenantId`. */
  untilSubscribed(topic: keyof PubSubTopics, tenantId: string, count?: number, timeoutMs?: number): Promise<void>;
}

export function observedPubSub(): ObservedPubSub {
  // Without a listener limit, as the gateway's own in-memory target (src/platform/pubsub.ts).
  const target = unboundedEventTarget(new ObservedEventTarget());
  const pubSub: PubSub = { ...pubSubOver(target), close: async () => {} };
  return {
    pubSub,
    untilSubscribed: (topic, tenantId, count = 1, timeoutMs = 15_000) => target.until(`${topic}:${tenantId}`, count, timeoutMs),
  };
}

let publishedBalanceChanges = 0;

/** A BALANCE_CHANGED payload for tests that publish one by hand (no ledger movement behind it). */
export function balanceNotice(tenantId: string, balanceAfterCents = '0'): PubSubTopics['BALANCE_CHANGED'][1] {
  publishedBalanceChanges += 1;
  return { tenantId, balanceAfterCents, eventId: randomUUID(), sequence: publishedBalanceChanges, committedAt: new Date().toISOString() };
}

/**
 * Resolves once Redis has a subscriber on each `TOPIC:tenantId` channel: the gateway registers a subscription on
 * Redis after the socket's subscribe, asynchronously, and an event published before that is lost. Exact where
 * one subscription is the channel's only one (an instance subscribes once per channel).
 */
export async function untilRedisSubscribed(redisUrl: string, channels: string[], timeoutMs = 15_000): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  let missing = channels;
  const subscribed = async () => {
    const reply = (await redis.pubsub('NUMSUB', ...channels)) as (string | number)[];
    missing = channels.filter((_, i) => Number(reply[i * 2 + 1]) < 1);
    return missing.length === 0;
  };
  try {
    await waitFor(subscribed, timeoutMs, 25).catch(() => {
      throw new Error(`no Redis subscriber on ${missing.join(', ')} after ${timeoutMs} ms`);
    });
  } finally {
    redis.disconnect();
  }
}
