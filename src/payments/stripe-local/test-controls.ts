import { invalidRequest } from './errors';
import { FaultSettings, Faults } from './faults';
import { Params } from './params';
import { ApiContext, Route } from './router';
import { completePaymentIntentAction } from './resources/payment-intents';
import { completeSetupIntentAction } from './resources/setup-intents';
import { WebhookDispatcher } from './webhooks';

/**
 * Test controls: not Stripe's API, the things a test (or a demo) needs to make happen that on real Stripe a person or
 * the network would. All take the secret key like the API, and JSON or form bodies.
 *
 *   POST   /_test/intents/:id/complete_action   the customer passes 3DS for a pi_ / seti_ in requires_action
 *   POST   /_test/intents/:id/fail_action       … or fails it (→ requires_payment_method, *.payment_failed / setup_failed)
 *   GET    /_test/deliveries[?event=evt_…]      webhook delivery attempts made so far, oldest first
 *   DELETE /_test/deliveries                    forgets them
 *   POST   /_test/events/:id/resend             delivers an event to the webhook endpoint again
 *   GET    /_test/webhook_endpoint              { url, secret }
 *   POST   /_test/webhook_endpoint              url=… (empty: no endpoint)
 *   GET    /_test/faults                        current fault injection
 *   POST   /_test/faults                        latency_ms, fail_next, fail_matching ("POST /v1/payment_intents"),
 *                                               duplicate_deliveries, out_of_order_deliveries
 *   DELETE /_test/faults                        no faults
 *   POST   /_test/reset                         forgets all objects, events, deliveries, idempotency keys and faults
 *
 * Without an API key (the client_secret is the credential, like Stripe's own hosted pages):
 *   GET/POST /_test/3ds/:id?client_secret=…      a stand-in for the bank's 3DS page (the next_action URL)
 */
export interface ControlDeps {
  faults: Faults;
  dispatcher: WebhookDispatcher;
  webhookSecret: string;
  setWebhookUrl(url: string | undefined): void;
  reset(): void;
}

/** The customer passed (or failed) the 3DS challenge of a PaymentIntent or SetupIntent. */
export function completeAction(ctx: ApiContext, intentId: string, passed: boolean): object {
  if (intentId.startsWith('pi_')) return completePaymentIntentAction(ctx, ctx.store.get('payment_intents', intentId), passed);
  if (intentId.startsWith('seti_')) return completeSetupIntentAction(ctx, ctx.store.get('setup_intents', intentId), passed);
  throw invalidRequest(`Not a PaymentIntent or SetupIntent id: '${intentId}'`, { param: 'id', code: 'resource_missing', status: 404 });
}

export function faultChanges(params: Params): Partial<FaultSettings> {
  params.allow(['latency_ms', 'fail_next', 'fail_matching', 'duplicate_deliveries', 'out_of_order_deliveries']);
  const changes: Partial<FaultSettings> = {};
  const latency = params.integer('latency_ms', { min: 0, max: 60_000 });
  if (latency !== undefined) changes.latencyMs = latency;
  const failNext = params.integer('fail_next', { min: 0 });
  if (failNext !== undefined) changes.failNext = failNext;
  if (params.has('fail_matching')) changes.failMatching = params.nullableString('fail_matching') ?? null;
  const duplicate = params.boolean('duplicate_deliveries');
  if (duplicate !== undefined) changes.duplicateDeliveries = duplicate;
  const outOfOrder = params.boolean('out_of_order_deliveries');
  if (outOfOrder !== undefined) changes.outOfOrderDeliveries = outOfOrder;
  return changes;
}

const faultsWire = (f: FaultSettings) => ({
  latency_ms: f.latencyMs,
  fail_next: f.failNext,
  fail_matching: f.failMatching,
  duplicate_deliveries: f.duplicateDeliveries,
  out_of_order_deliveries: f.outOfOrderDeliveries,
});

export function testControlRoutes(deps: ControlDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/_test/intents/:id/complete_action',
      handler: (ctx) => ctx.render(completeAction(ctx, ctx.pathParams.id, true)),
    },
    {
      method: 'POST',
      path: '/_test/intents/:id/fail_action',
      handler: (ctx) => ctx.render(completeAction(ctx, ctx.pathParams.id, false)),
    },
    {
      method: 'GET',
      path: '/_test/deliveries',
      handler: (ctx) => {
        const eventId = ctx.params.allow(['event']).string('event');
        const data = deps.dispatcher.deliveries().filter((d) => eventId === undefined || d.eventId === eventId);
        return { object: 'list', data, has_more: false, url: '/_test/deliveries' };
      },
    },
    {
      method: 'DELETE',
      path: '/_test/deliveries',
      handler: () => {
        deps.dispatcher.clearDeliveries();
        return { deleted: true };
      },
    },
    {
      method: 'POST',
      path: '/_test/events/:id/resend',
      handler: (ctx) => {
        const event = ctx.store.get('events', ctx.pathParams.id);
        if (!deps.dispatcher.getUrl()) throw invalidRequest('No webhook endpoint is configured.', {});
        deps.dispatcher.resend(event);
        return { object: 'event_resend', event: event.id, url: deps.dispatcher.getUrl() };
      },
    },
    {
      method: 'GET',
      path: '/_test/webhook_endpoint',
      handler: () => ({ url: deps.dispatcher.getUrl() ?? null, secret: deps.webhookSecret }),
    },
    {
      method: 'POST',
      path: '/_test/webhook_endpoint',
      handler: (ctx) => {
        const url = ctx.params.allow(['url']).nullableString('url') ?? undefined;
        if (url !== undefined && !/^https?:\/\//.test(url)) throw invalidRequest('url must be an http(s) URL', { param: 'url' });
        deps.setWebhookUrl(url);
        return { url: url ?? null, secret: deps.webhookSecret };
      },
    },
    { method: 'GET', path: '/_test/faults', handler: () => faultsWire(deps.faults.get()) },
    { method: 'POST', path: '/_test/faults', handler: (ctx) => faultsWire(deps.faults.set(faultChanges(ctx.params))) },
    { method: 'DELETE', path: '/_test/faults', handler: () => faultsWire(deps.faults.reset()) },
    {
      method: 'POST',
      path: '/_test/reset',
      handler: () => {
        deps.reset();
        return { reset: true };
      },
    },
  ];
}
