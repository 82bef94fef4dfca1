import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { credit } from '../../src/billing/ledger.service';
import { SCOPES, systemActor } from '../../src/platform/auth/scopes';
import { systemClock } from '../../src/platform/clock';
import { PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { createApiKey, createTenant } from '../../src/tenants/tenant.service';

// Mixed traffic of several tenants against a running gateway, over real HTTP, shared by the crash tests
// (test/chaos) and the soak (bench/soak.ts): number orders, calls, top-ups and reads, every mutation with an
// Idempotency-Key, and every request's fate recorded (an answer, or none: the gateway died or hung), so the
// invariants can be checked against what the clients saw.

export interface TrafficTenant {
  tenantId: string;
  key: string;
  /** An active number of the tenant's, to call from. */
  did: string;
  /** A saved card (set when the tenant was given one), for top-ups. */
  paymentMethodId?: string;
}

export type OperationKind = 'order' | 'call' | 'topup' | 'read';

export interface Outcome {
  kind: OperationKind;
  tenantId: string;
  method: string;
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  /** Absent: no answer (connection refused or reset, or the time limit passed). */
  status?: number;
  response?: any;
  error?: string;
  ms: number;
  /** Set once the request was sent again with its key after it got no answer. */
  retried?: boolean;
}

export interface TenantSetup {
  prisma: PrismaClient;
  gatewayUrl: string;
  count: number;
  fundsCents?: bigint;
  /** Each tenant gets a webhook subscription to `${webhookUrl}/<n>` for every event type. */
  webhookUrl?: string;
  /** An SDK client on the gateway's Stripe(-compatible) server, standing in for Stripe.js to save a card. */
  stripe?: Stripe;
  label?: string;
}

/** Tenants with funds, a number to call from, and optionally a webhook subscription and a saved card. */
export async function setUpTenants(opts: TenantSetup): Promise<TrafficTenant[]> {
  const pubSub = createGatewayPubSub();
  const deps = { db: opts.prisma, pubSub, clock: systemClock };
  const label = opts.label ?? 'traffic';
  // The tag's first digit opens the exchange code, which NANP numbers start with 2-9 (a 1 makes every DID invalid).
  const runTag = Math.floor(Math.random() * 8000) + 2000;
  try {
    const tenants: TrafficTenant[] = [];
    for (let i = 0; i < opts.count; i++) {
      const tenant = await createTenant(opts.prisma, { name: `${label} tenant ${i}` }, label);
      const key = (await createApiKey(opts.prisma, systemActor(tenant.id, label), { name: label, scopes: [...SCOPES] })).plaintext;
      await credit(deps, { tenantId: tenant.id, kind: 'adjustment', amountCents: opts.fundsCents ?? 1_000_000n, description: `${label} funds` });
      // 555-01xx-style numbers are fictional; the run tag keeps two runs on one database apart.
      const did = `+1737${runTag}${String(i).padStart(3, '0')}`;
      await opts.prisma.phoneNumber.create({
        data: { tenantId: tenant.id, e164: did, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 0n, monthlyPriceCentsCustomer: 0n, orderId: randomUUID() },
      });
      const t: TrafficTenant = { tenantId: tenant.id, key, did };
      if (opts.webhookUrl) {
        const sub = await send(opts.gatewayUrl, t.key, 'POST', '/v1/webhooks', { url: `${opts.webhookUrl}/${i}`, event_types: ['*'] });
        if (sub.status !== 201) throw new Error(`webhook subscription: ${sub.status} ${JSON.stringify(sub.response)}`);
      }
      if (opts.stripe) t.paymentMethodId = await saveCard(opts.gatewayUrl, opts.stripe, t);
      tenants.push(t);
    }
    return tenants;
  } finally {
    await pubSub.close();
  }
}

async function saveCard(gatewayUrl: string, stripe: Stripe, t: TrafficTenant): Promise<string> {
  const intent = await send(gatewayUrl, t.key, 'POST', '/v1/billing/setup-intent');
  if (intent.status !== 200) throw new Error(`setup intent: ${intent.status} ${JSON.stringify(intent.response)}`);
  const confirmed = await stripe.setupIntents.confirm(intent.response.setup_intent_id, { payment_method: 'pm_card_visa' });
  return typeof confirmed.payment_method === 'string' ? confirmed.payment_method : confirmed.payment_method!.id;
}

async function send(baseUrl: string, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let response: any;
  try {
    response = JSON.parse(text);
  } catch {
    response = text;
  }
  return { status: res.status, headers: res.headers, response };
}

export interface TrafficOptions {
  /** Where requests go; changeable, for a gateway restarted elsewhere. */
  baseUrl: string;
  /** A request unanswered this long counts as no answer. */
  timeoutMs?: number;
  /** Calls to numbers ending 486/408/503 are busy/unanswered/failed in the carrier simulator; others are answered. */
  busyShare?: number;
  topUpCents?: number;
}

/** Sends operations and records every outcome. */
export class Traffic {
  readonly outcomes: Outcome[] = [];
  private seq = 0;

  constructor(readonly opts: TrafficOptions) {}

  /** One operation of `kind` for `t`; never throws (a failure is an outcome). */
  async run(kind: OperationKind, t: TrafficTenant): Promise<Outcome> {
    const n = ++this.seq;
    switch (kind) {
      case 'order': {
        const search = await this.request({ kind: 'read', tenantId: t.tenantId, method: 'GET', path: `/v1/numbers/available?country_code=US&number_type=local&limit=5` }, t.key);
        const offered: string[] = Array.isArray(search.response?.data) ? search.response.data.map((x: { phone_number: string }) => x.phone_number) : [];
        if (!offered.length) return search;
        const pick = offered[n % offered.length];
        return this.request({ kind, tenantId: t.tenantId, method: 'POST', path: '/v1/numbers/order', body: { phone_numbers: [pick], country_code: 'US', number_type: 'local' }, idempotencyKey: `order-${randomUUID()}` }, t.key);
      }
      case 'call': {
        const busy = Math.random() < (this.opts.busyShare ?? 0.2);
        const suffix = busy ? ['486', '408', '503'][n % 3] : String(100 + (n % 380)).padStart(3, '0');
        const to = `+1512555${String(n % 10)}${suffix}`;
        return this.request({ kind, tenantId: t.tenantId, method: 'POST', path: '/v1/calls', body: { from: t.did, to, timeout_secs: 20 }, idempotencyKey: `call-${randomUUID()}` }, t.key);
      }
      case 'topup': {
        if (!t.paymentMethodId) return this.run('read', t);
        return this.request({ kind, tenantId: t.tenantId, method: 'POST', path: '/v1/billing/topup', body: { amount_cents: this.opts.topUpCents ?? 500, payment_method_id: t.paymentMethodId }, idempotencyKey: `topup-${randomUUID()}` }, t.key);
      }
      case 'read':
        return n % 2
          ? this.request({ kind, tenantId: t.tenantId, method: 'GET', path: '/v1/account' }, t.key)
          : this.request({ kind, tenantId: t.tenantId, method: 'GET', path: '/v1/calls?limit=20' }, t.key);
    }
  }

  /** Sends every mutation that got no answer again, with its Idempotency-Key, until each is answered. */
  async retryUnanswered(keys: Map<string, string>, deadlineMs = 60_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (const o of this.outcomes.filter((x) => x.idempotencyKey && (x.status === undefined || x.status >= 500))) {
      for (;;) {
        const again = await this.attempt(o, keys.get(o.tenantId)!);
        if (again.status !== undefined && again.status < 500) {
          Object.assign(o, again, { retried: true });
          break;
        }
        if (Date.now() > deadline) throw new Error(`${o.method} ${o.path} (${o.idempotencyKey}) still unanswered: ${again.error ?? again.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async request(o: Omit<Outcome, 'ms'>, key: string): Promise<Outcome> {
    const outcome: Outcome = { ...o, ...(await this.attempt(o, key)) };
    this.outcomes.push(outcome);
    return outcome;
  }

  private async attempt(o: Pick<Outcome, 'method' | 'path' | 'body' | 'idempotencyKey'>, key: string): Promise<Pick<Outcome, 'status' | 'response' | 'error' | 'ms'>> {
    const started = performance.now();
    try {
      const r = await send(this.opts.baseUrl, key, o.method, o.path, o.body, o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}, this.opts.timeoutMs);
      return { status: r.status, response: r.response, ms: performance.now() - started };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { error: e.cause?.code ?? e.name ?? e.message, ms: performance.now() - started };
    }
  }
}

/** `clients` loops, each picking a tenant and an operation by weight, until `until()` says stop. */
export async function drive(traffic: Traffic, tenants: TrafficTenant[], opts: { clients: number; until: () => boolean; weights?: Partial<Record<OperationKind, number>>; pauseMs?: number }): Promise<void> {
  const weights = Object.entries({ order: 1, call: 3, topup: 1, read: 3, ...opts.weights }) as [OperationKind, number][];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const pick = (): OperationKind => {
    let r = Math.random() * total;
    for (const [k, w] of weights) if ((r -= w) < 0) return k;
    return 'read';
  };
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, c) => {
      while (!opts.until()) {
        await traffic.run(pick(), tenants[(c + Math.floor(Math.random() * tenants.length)) % tenants.length]);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    }),
  );
}
