import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws client that records how the server closed the socket, if it did. */
export function wsClient(url: string, connectionParams: Record<string, unknown>): Client & { closed: Promise<{ code: number; reason: string }> } {
  let resolveClosed!: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => resolveClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
    onNonLazyError: () => {},
  });
  return Object.assign(client, { closed });
}

/** Subscribes and collects events until `count` arrived (or rejects on error/timeout). */
export function collect<T>(client: Client, query: string, count: number, timeoutMs = 15_000): { events: T[]; done: Promise<T[]>; ready: Promise<void> } {
  const events: T[] = [];
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const done = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${events.length}/${count} events`)), timeoutMs);
    const dispose = client.subscribe<T>(
      { query },
      {
        next: (value) => {
          events.push(value as T);
          if (events.length >= count) {
            clearTimeout(timer);
            dispose();
            resolve(events);
          }
        },
        error: (err) => {
          clearTimeout(timer);
          reject(err);
        },
        complete: () => {},
      },
    );
    // graphql-ws has no "subscribed" acknowledgement, so `ready` is only a pause: good enough for subscriptions
    // through Redis, which cannot be observed. An in-process test gateway waits exactly with gw.untilSubscribed.
    setTimeout(ready, 400);
  });
  return { events, done, ready: readyP };
}
