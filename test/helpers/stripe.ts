import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { LocalStripe, LocalStripeOptions, startLocalStripe, stripeClientConfig } from '../../src/payments/stripe-local';

/** A local Stripe server and a real SDK client pointed at it. */
export async function startTestStripe(opts: LocalStripeOptions = {}): Promise<{ local: LocalStripe; stripe: Stripe }> {
  const local = await startLocalStripe(opts);
  return { local, stripe: stripeClientFor(local) };
}

export function stripeClientFor(local: LocalStripe, overrides: Stripe.StripeConfig = {}): Stripe {
  return new Stripe(local.secretKey, { ...stripeClientConfig(local), telemetry: false, ...overrides });
}

/** Calls a /_test control of the local server with the secret key; JSON in, JSON out. */
export async function testControl(local: LocalStripe, method: 'GET' | 'POST' | 'DELETE', path: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${local.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${local.secretKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

export interface ReceivedWebhook {
  rawBody: string;
  signature: string;
  /** Set when `stripe.webhooks.constructEvent` accepted the delivery. */
  event?: Stripe.Event;
  error?: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Verified events, in arrival order. */
  events(): Stripe.Event[];
  /** The next `count` deliveries are answered with `status` (default 500) instead of 200. */
  failNext(count: number, status?: number): void;
  waitFor(predicate: (event: Stripe.Event) => boolean, timeoutMs?: number): Promise<Stripe.Event>;
  close(): Promise<void>;
}

/** A webhook endpoint that verifies every delivery the way the gateway will: on the raw body, with the SDK. */
export async function startWebhookReceiver(stripe: Stripe, secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  let failures: Array<number> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['stripe-signature'] ?? '');
      const status = failures.shift();
      if (status !== undefined) {
        res.writeHead(status).end();
        return;
      }
      const delivery: ReceivedWebhook = { rawBody, signature };
      try {
        delivery.event = stripe.webhooks.constructEvent(rawBody, signature, secret);
      } catch (err) {
        delivery.error = (err as Error).message;
      }
      received.push(delivery);
      res.writeHead(delivery.event ? 200 : 400, { 'Content-Type': 'application/json' }).end('{"received":true}');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const events = () => received.flatMap((r) => (r.event ? [r.event] : []));
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    events,
    failNext(count, status = 500) {
      failures = [...failures, ...Array.from({ length: count }, () => status)];
    },
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching webhook within ${timeoutMs} ms; got: ${events().map((e) => e.type).join(', ')}`)), timeoutMs);
        const check = () => {
          const found = events().find(predicate);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
