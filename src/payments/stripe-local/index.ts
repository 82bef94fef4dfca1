import { AddressInfo } from 'node:net';
import { EventLog } from './events';
import { FaultSettings, Faults } from './faults';
import { IdempotencyStore } from './idempotency';
import { Persistence } from './persistence';
import { ApiContext, Route } from './router';
import { customerRoutes } from './resources/customers';
import { chargeRoutes } from './resources/charges';
import { eventRoutes } from './resources/events';
import { invoiceItemRoutes } from './resources/invoice-items';
import { settleInvoicesOnPayment } from './resources/invoice-collection';
import { invoiceRoutes } from './resources/invoices';
import { paymentIntentRoutes } from './resources/payment-intent-routes';
import { paymentMethodRoutes } from './resources/payment-methods';
import { refundRoutes } from './resources/refunds';
import { setupIntentRoutes } from './resources/setup-intents';
import { createLocalStripeServer } from './server';
import { newWebhookSecret } from './signing';
import { Store, StoreSnapshot, toWire } from './store';
import { Params } from './params';
import { completeAction, testControlRoutes } from './test-controls';
import { DeliveryRecord, DeliveryRetry, WebhookDispatcher } from './webhooks';
import { paginate } from './list';

export type { DeliveryRecord, DeliveryRetry } from './webhooks';
export type { FaultSettings } from './faults';
export { TEST_PAYMENT_METHODS } from './test-cards';

/**
 * A local, Stripe-compatible API server for demos and tests: the real `stripe` SDK talks to it unchanged with
 * `new Stripe(secretKey, { host, port, protocol: 'http' })` (see `stripeClientConfig`). Customers, PaymentMethods,
 * SetupIntents, PaymentIntents, Charges, Refunds, invoices, Events and signed webhooks, with Stripe's test cards.
 */
export interface LocalStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 'sk_test_local'. */
  secretKey?: string;
  /** Default: a random whsec_… */
  webhookSecret?: string;
  webhookUrl?: string;
  /** When set, state is loaded from and saved to this JSON file, so a restarted `npm start` keeps its customers and cards. */
  dataFile?: string;
  /** Default 5 attempts, 500 ms base delay doubling each retry (about 8 s plus response times), 3 s per attempt. */
  deliveryRetry?: DeliveryRetry;
  log?: (line: string) => void;
}

/** In-process versions of the /_test controls (see test-controls.ts). */
export interface LocalStripeControls {
  /** The customer passes (or fails) 3DS for a pi_ / seti_ in requires_action; returns the intent as the API would. */
  completeAction(intentId: string, passed?: boolean): Record<string, unknown>;
  setFaults(changes: Partial<FaultSettings>): FaultSettings;
  resetFaults(): FaultSettings;
  /** Delivers an event to the webhook endpoint again. */
  resendEvent(eventId: string): void;
  clearDeliveries(): void;
  /** Resolves once every delivery queued so far has had its first attempt (retries may still follow). */
  deliveriesSettled(): Promise<void>;
  /** Forgets all objects, events, deliveries, idempotency keys and faults. */
  reset(): void;
}

export interface LocalStripe {
  url: string;
  host: string;
  port: number;
  secretKey: string;
  webhookSecret: string;
  setWebhookUrl(url: string | undefined): void;
  deliveries(): DeliveryRecord[];
  controls: LocalStripeControls;
  close(): Promise<void>;
}

const API_ROUTES: readonly Route[] = [
  ...customerRoutes,
  ...paymentMethodRoutes,
  ...setupIntentRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...invoiceItemRoutes,
  ...invoiceRoutes,
  ...eventRoutes,
];

/** A server listening on every interface is reached through loopback. */
function connectHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/** The `stripe` SDK options that point it at a local server. */
export function stripeClientConfig(local: Pick<LocalStripe, 'host' | 'port'>): { host: string; port: number; protocol: 'http' } {
  return { host: connectHost(local.host), port: local.port, protocol: 'http' };
}

export async function startLocalStripe(opts: LocalStripeOptions = {}): Promise<LocalStripe> {
  const host = opts.host ?? '127.0.0.1';
  const secretKey = opts.secretKey ?? 'sk_test_local';
  const webhookSecret = opts.webhookSecret ?? newWebhookSecret();
  const log = opts.log ?? (() => undefined);

  let persistence: Persistence | undefined;
  const store = new Store(() => persistence?.schedule());
  if (opts.dataFile) {
    persistence = new Persistence(opts.dataFile, () => store.snapshot(), log);
    const saved = persistence.load();
    if (saved !== undefined) store.restore(saved as StoreSnapshot);
  }
  const faults = new Faults();
  let idempotency = new IdempotencyStore();
  const dispatcher = new WebhookDispatcher({
    secret: webhookSecret,
    retry: opts.deliveryRetry ?? { attempts: 5, baseDelayMs: 500, timeoutMs: 3000 },
    faults,
    log,
    onDelivered: (eventId) => {
      const event = store.find('events', eventId);
      if (event && event.pending_webhooks > 0) {
        event.pending_webhooks = 0;
        store.touch();
      }
    },
  });
  dispatcher.setUrl(opts.webhookUrl);
  const events = new EventLog(store, () => (dispatcher.getUrl() ? 1 : 0));
  settleInvoicesOnPayment(store, events);

  const reset = () => {
    store.clear();
    dispatcher.clearDeliveries();
    idempotency = new IdempotencyStore();
    faults.reset();
  };
  let baseUrl = '';
  const server = createLocalStripeServer({
    store,
    events,
    faults,
    dispatcher,
    idempotency: () => idempotency,
    secretKey,
    apiRoutes: API_ROUTES,
    testRoutes: testControlRoutes({ faults, dispatcher, webhookSecret, setWebhookUrl: (url) => dispatcher.setUrl(url), reset }),
    baseUrl: () => baseUrl,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const reachable = connectHost(host);
  baseUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;

  /** A context for in-process controls, as if a request without parameters had come in. */
  const internalContext = (): ApiContext => {
    const params = new Params({});
    return {
      store,
      events,
      params,
      pathParams: {},
      baseUrl,
      render: (record) => toWire(record),
      list: (items, url) => ({ ...paginate(items, params, url, toWire) }),
    };
  };
  const controls: LocalStripeControls = {
    completeAction(intentId, passed = true) {
      const ctx = internalContext();
      try {
        return ctx.render(completeAction(ctx, intentId, passed));
      } finally {
        dispatcher.dispatch(events.drain());
      }
    },
    setFaults: (changes) => faults.set(changes),
    resetFaults: () => faults.reset(),
    resendEvent(eventId) {
      const event = store.find('events', eventId);
      if (!event) throw new Error(`No such event: '${eventId}'`);
      dispatcher.resend(event);
    },
    clearDeliveries: () => dispatcher.clearDeliveries(),
    deliveriesSettled: () => dispatcher.idle(),
    reset,
  };

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    host,
    port,
    secretKey,
    webhookSecret,
    setWebhookUrl: (url) => dispatcher.setUrl(url),
    deliveries: () => dispatcher.deliveries(),
    controls,
    close() {
      closing ??= (async () => {
        await dispatcher.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await persistence?.flush();
      })();
      return closing;
    },
  };
}
