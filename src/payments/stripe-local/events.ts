import { newId, unixNow } from './ids';
import { EventRecord } from './records';
import { Store, toWire } from './store';

export const DEFAULT_API_VERSION = '2026-10-28.endive';

type Listener = (event: EventRecord) => void;

/**
 * Every state change records an `evt_` Event (retrievable through /v1/events) and queues it for webhook delivery,
 * which the server starts only after the API response has gone out, as Stripe does.
 */
export class EventLog {
  /** The API call being handled; handlers are synchronous, so this is set around exactly one of them. */
  request: { id: string | null; idempotency_key: string | null } | null = null;
  /** Events carry the account's API version; here, the version the SDK last asked for. */
  apiVersion = DEFAULT_API_VERSION;
  private outbox: EventRecord[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    private readonly store: Store,
    private readonly endpointCount: () => number,
  ) {}

  emit(type: string, record: object, previousAttributes?: Record<string, unknown>): EventRecord {
    const event: EventRecord = {
      id: newId('evt'),
      object: 'event',
      api_version: this.apiVersion,
      created: unixNow(),
      data: { object: toWire(record), ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}) },
      livemode: false,
      pending_webhooks: this.endpointCount(),
      request: this.request ?? { id: null, idempotency_key: null },
      type,
      _seq: this.store.nextSeq(),
    };
    this.store.insert('events', event);
    this.outbox.push(event);
    for (const listener of this.listeners.get(type) ?? []) listener(event);
    return event;
  }

  /** In-process reactions to events (an invoice settles when its PaymentIntent succeeds, whoever completed it). */
  on(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  /** The events recorded since the last call, for delivery. */
  drain(): EventRecord[] {
    const events = this.outbox;
    this.outbox = [];
    return events;
  }
}

/**
 * `data.previous_attributes` of an `*.updated` event: the old values of what changed, nested objects reduced to
 * their changed keys, as Stripe reports them.
 */
export function previousAttributes(before: object, after: object): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (key.startsWith('_') || JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    const old = b[key];
    const next = a[key];
    const bothObjects = isPlainObject(old) && isPlainObject(next);
    out[key] = bothObjects ? (previousAttributes(old, next) ?? {}) : (old ?? null);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
