import WebSocket from 'ws';

// Many graphql-ws subscribers held by one light client (raw `ws` speaking the graphql-transport-ws protocol, so a
// thousand of them cost the load generator little). Every `next` is timed on arrival against the commit instant
// it carries: commit-to-receipt latency, on one machine's clock.

export const CALL_STATUS_SUBSCRIPTION = 'subscription { callStatusChanged { eventId eventType sequence status occurredAt committedAt call { id status from to } } }';

interface Received {
  eventId: string;
  latencyMs: number;
}

export interface Subscriber {
  socket: WebSocket;
  received: Received[];
  /** Messages that carried errors instead of the event. */
  errors: number;
}

/** Opens `count` sockets (in batches, as clients would arrive), each with one subscription. */
export async function openSubscribers(url: string, key: string, count: number, query = CALL_STATUS_SUBSCRIPTION): Promise<Subscriber[]> {
  const all: Subscriber[] = [];
  for (let i = 0; i < count; i += 50) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => openOne(url, key, query)))));
  }
  return all;
}

function openOne(url: string, key: string, query: string): Promise<Subscriber> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const subscriber: Subscriber = { socket, received: [], errors: 0 };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a subscriber was not acknowledged within 30 s')), 30_000);
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`a subscriber's socket closed: ${code} ${reason}`));
    });
    socket.on('message', (raw) => {
      const now = Date.now();
      const message = JSON.parse(raw.toString()) as { type: string; payload?: { data?: { callStatusChanged?: { eventId: string; committedAt: string } }; errors?: unknown } };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        clearTimeout(timer);
        resolve(subscriber);
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next') {
        const event = message.payload?.data?.callStatusChanged;
        if (!event) {
          if (subscriber.errors++ === 0) process.stderr.write(`a subscriber got no event: ${JSON.stringify(message.payload)}\n`);
          return;
        }
        subscriber.received.push({ eventId: event.eventId, latencyMs: now - Date.parse(event.committedAt) });
      } else if (message.type === 'error') {
        subscriber.errors++;
        process.stderr.write(`subscription refused: ${JSON.stringify(message.payload)}\n`);
      }
    });
  });
}

export async function closeSubscribers(subscribers: Subscriber[]): Promise<void> {
  await Promise.all(subscribers.map((s) => new Promise<void>((resolve) => {
    if (s.socket.readyState === WebSocket.CLOSED) return resolve();
    s.socket.removeAllListeners('close');
    s.socket.once('close', () => resolve());
    s.socket.close(1000);
  })));
}

/** Resolves once every subscriber has received at least one event (so every subscription is registered). */
export async function untilAllReceiving(subscribers: Subscriber[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  const silent = () => subscribers.filter((s) => s.received.length === 0 && s.errors === 0).length;
  while (silent() > 0) {
    if (Date.now() > end) throw new Error(`${silent()} subscribers received nothing within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no subscriber receives anything new for `quietMs` (or `timeoutMs` passed). */
export async function untilQuiet(subscribers: Subscriber[], quietMs: number, timeoutMs: number): Promise<void> {
  const total = () => subscribers.reduce((n, s) => n + s.received.length, 0);
  const end = Date.now() + timeoutMs;
  let last = total();
  let lastChange = Date.now();
  while (Date.now() < end && Date.now() - lastChange < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = total();
    if (now !== last) [last, lastChange] = [now, Date.now()];
  }
}

/**
 * Waits until every subscriber holds every event of `expected`, or until nothing new arrived for `stallMs`
 * (what is missing then is dropped), or `timeoutMs` passed.
 */
export async function untilDelivered(subscribers: Subscriber[], expected: Set<string>, stallMs: number, timeoutMs: number): Promise<void> {
  const count = () => subscribers.reduce((n, s) => n + s.received.filter((r) => expected.has(r.eventId)).length, 0);
  const want = subscribers.length * expected.size;
  const end = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (let now = count(); now < want && Date.now() < end && Date.now() - lastChange < stallMs; now = count()) {
    if (now !== last) [last, lastChange] = [now, Date.now()];
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Latencies of the events in `expected` and how many of them some subscriber never got. */
export function tally(subscribers: Subscriber[], expected: Set<string>): { latencies: number[]; dropped: number; delivered: number } {
  const latencies: number[] = [];
  let dropped = 0;
  for (const s of subscribers) {
    const got = new Set<string>();
    for (const r of s.received) {
      if (!expected.has(r.eventId) || got.has(r.eventId)) continue;
      got.add(r.eventId);
      latencies.push(r.latencyMs);
    }
    dropped += expected.size - got.size;
  }
  latencies.sort((a, b) => a - b);
  return { latencies, dropped, delivered: latencies.length };
}
