import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Faults } from './faults';
import { randomToken } from './ids';
import { EventRecord } from './records';
import { signatureHeader } from './signing';
import { toWire } from './store';

export interface DeliveryRecord {
  /** Unique per attempt. */
  id: string;
  eventId: string;
  eventType: string;
  url: string;
  /** 1-based attempt number within its series. */
  attempt: number;
  /** Why this series was sent: the event itself, an injected duplicate, or a resend asked for through /_test. */
  reason: 'event' | 'duplicate' | 'resend';
  /** HTTP status of the endpoint's answer; null when there was none (refused, timed out). */
  status: number | null;
  ok: boolean;
  error?: string;
  /** The Stripe-Signature header sent. */
  signature: string;
  startedAt: number;
  durationMs: number;
}

export interface DeliveryRetry {
  attempts: number;
  baseDelayMs: number;
  /** Per-attempt time limit; defaults to 3000 ms. */
  timeoutMs?: number;
}

const MAX_RECORDS = 10_000;
const RESPONSE_LIMIT = 64 * 1024;

/**
 * Delivers events to the webhook endpoint as Stripe does: a JSON POST signed with `Stripe-Signature`, a 2xx is
 * success, anything else (or no answer in time) is retried with exponential backoff up to `attempts` tries.
 * First attempts go out one after another in event order, so a healthy endpoint sees events in order; retries run on
 * their own timers and never hold up later events. Nothing here ever blocks an API call.
 */
export class WebhookDispatcher {
  private url: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly records: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly opts: {
      secret: string;
      retry: DeliveryRetry;
      faults: Faults;
      log: (line: string) => void;
      /** The event reached the endpoint (Stripe then lowers its `pending_webhooks`). */
      onDelivered: (eventId: string) => void;
    },
  ) {}

  setUrl(url: string | undefined): void {
    this.url = url;
  }

  getUrl(): string | undefined {
    return this.url;
  }

  dispatch(events: EventRecord[]): void {
    if (!this.url || this.closed || events.length === 0) return;
    const ordered = this.opts.faults.get().outOfOrderDeliveries ? [...events].reverse() : events;
    for (const event of ordered) this.startSeries(event, 'event');
  }

  resend(event: EventRecord): void {
    if (this.url && !this.closed) this.startSeries(event, 'resend');
  }

  deliveries(): DeliveryRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  clearDeliveries(): void {
    this.records.length = 0;
  }

  /** Waits until every first attempt queued so far has been made (retries may still be pending). */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.chain;
      await current;
    } while (current !== this.chain);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    await this.chain.catch(() => undefined);
  }

  private startSeries(event: EventRecord, reason: DeliveryRecord['reason']): void {
    const url = this.url!;
    // Stripe sends the event pretty-printed; the exact bytes are what gets signed.
    const payload = JSON.stringify(toWire(event), null, 2);
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      const ok = await this.attempt(event, url, payload, reason, 1);
      if (!ok) this.scheduleRetry(event, url, payload, reason, 2);
      else if (reason === 'event' && this.opts.faults.get().duplicateDeliveries) this.startSeries(event, 'duplicate');
    });
  }

  private scheduleRetry(event: EventRecord, url: string, payload: string, reason: DeliveryRecord['reason'], attempt: number): void {
    if (this.closed || attempt > this.opts.retry.attempts) return;
    const delay = this.opts.retry.baseDelayMs * 2 ** (attempt - 2);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(event, url, payload, reason, attempt).then((ok) => {
        if (!ok) this.scheduleRetry(event, url, payload, reason, attempt + 1);
      });
    }, delay);
    this.timers.add(timer);
  }

  private async attempt(event: EventRecord, url: string, payload: string, reason: DeliveryRecord['reason'], attempt: number): Promise<boolean> {
    if (this.closed) return true;
    const signature = signatureHeader(payload, this.opts.secret);
    const startedAt = Date.now();
    let status: number | null = null;
    let error: string | undefined;
    try {
      status = await this.post(url, payload, signature);
    } catch (err) {
      error = (err as Error).message;
    }
    const ok = status !== null && status >= 200 && status < 300;
    if (!ok && !error) error = `endpoint answered ${status}`;
    this.records.push({ id: `whatt_${randomToken(16)}`, eventId: event.id, eventType: event.type, url, attempt, reason, status, ok, error, signature, startedAt, durationMs: Date.now() - startedAt });
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    this.opts.log(`local-stripe: webhook ${event.type} ${event.id} → ${url} attempt ${attempt}: ${ok ? status : error}`);
    if (ok && reason === 'event') this.opts.onDelivered(event.id);
    return ok;
  }

  /** One POST on a fresh connection (no keep-alive pool to leak between tests), bounded by the per-attempt timeout. */
  private post(url: string, payload: string, signature: string): Promise<number> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeoutMs = this.opts.retry.timeoutMs ?? 3000;
    return new Promise<number>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          signal: controller.signal,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            Accept: '*/*; q=0.5, application/xml',
            'Cache-Control': 'no-cache',
            'Stripe-Signature': signature,
            Connection: 'close',
          },
        },
        (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > RESPONSE_LIMIT) res.destroy();
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('close', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => reject(controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : err));
      req.on('close', () => clearTimeout(timer));
      req.end(payload);
    }).finally(() => this.inFlight.delete(controller));
  }
}
