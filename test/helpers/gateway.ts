import { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { createGateway, Gateway } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { SCOPES, Scope, systemActor } from '../../src/platform/auth/scopes';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub, PubSub } from '../../src/platform/pubsub';
import { createApiKey, createTenant } from '../../src/tenants/tenant.service';
import { testDatabaseUrl, truncateAll } from './database';
import { ObservedPubSub, observedPubSub } from './subscribers';
import { Clock, systemClock } from '../../src/platform/clock';
import { ServiceDeps } from '../../src/platform/service-deps';
import { PaymentsSetup, setUpPayments } from '../../src/payments/setup';
import { NumberCarrier } from '../../src/numbers/carrier-port';
import { CallCarrier } from '../../src/calls/carrier-port';

export interface TestGateway {
  url: string;
  wsUrl: string;
  prisma: PrismaClient;
  pubSub: PubSub;
  gateway: Gateway;
  databaseUrl: string;
  /** SQL statements seen by the gateway's Prisma client, for N+1 assertions. */
  statements: string[];
  /** The local Stripe-compatible server this gateway's Stripe SDK talks to. */
  stripe: PaymentsSetup;
  /**
   * Resolves once `count` GraphQL subscriptions of the tenant listen to `topic` (in-memory pub/sub only; with a
   * REDIS_URL override it rejects, as Redis subscriptions are not observable here).
   */
  untilSubscribed: ObservedPubSub['untilSubscribed'];
  close(): Promise<void>;
}

/** A real gateway on a free port, over this worker's own database (truncated first). */
export async function startTestGateway(
  overrides: Partial<Config> = {},
  opts: { carrier?: NumberCarrier; callCarrier?: CallCarrier; clock?: Clock; logger?: Logger } = {},
): Promise<TestGateway> {
  const databaseUrl = await testDatabaseUrl();
  await truncateAll(databaseUrl);
  // One job worker unless a test asks for more: the database server's connections are shared by every test run.
  const config: Config = { ...loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }), jobConcurrency: 1, ...overrides };
  const statements: string[] = [];
  // The instance heartbeat (gateway_instances) runs on its own clock, never for a request: not counted.
  const prisma = createPrismaClient({ url: databaseUrl, poolSize: 10, onQuery: (sql) => void (sql.includes('gateway_instances') || statements.push(sql)) });
  const observed = config.redisUrl ? null : observedPubSub();
  const pubSub = observed?.pubSub ?? createGatewayPubSub(config.redisUrl);
  const stripe = await setUpPayments({ ...config, stripeSecretKey: undefined, stripeWebhookSecret: undefined });
  const gateway = await createGateway({ config, databaseUrl, prisma, pubSub, logger: opts.logger ?? pino({ level: 'silent' }), payments: stripe.payments, carrier: opts.carrier, callCarrier: opts.callCarrier, clock: opts.clock });
  await gateway.listen(0, '127.0.0.1');
  const { port } = gateway.httpServer.address() as AddressInfo;
  stripe.gatewayListening(`http://127.0.0.1:${port}`);
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    prisma,
    pubSub,
    gateway,
    databaseUrl,
    statements,
    stripe,
    untilSubscribed: observed?.untilSubscribed ?? (() => Promise.reject(new Error('subscriptions go through Redis: not observable'))),
    async close() {
      await gateway.close();
      await stripe.close();
      await pubSub.close();
      await prisma.$disconnect();
    },
  };
}

/** The gateway's service dependencies, for tests that call services directly beside the HTTP API. */
export function servicesOf(gw: TestGateway): ServiceDeps {
  return { db: gw.prisma, pubSub: gw.pubSub, clock: systemClock, payments: gw.stripe.payments };
}

export interface TestTenant {
  tenantId: string;
  key: string;
  keyId: string;
}

export async function createTestTenant(prisma: PrismaClient, opts: { name?: string; scopes?: Scope[]; creditLimitCents?: bigint } = {}): Promise<TestTenant> {
  const tenant = await createTenant(prisma, { name: opts.name ?? 'Test tenant', creditLimitCents: opts.creditLimitCents }, 'test');
  const key = await createApiKey(prisma, systemActor(tenant.id, 'test'), { name: 'test', scopes: opts.scopes ?? [...SCOPES] });
  return { tenantId: tenant.id, key: key.plaintext, keyId: key.id };
}

export async function addKey(prisma: PrismaClient, tenantId: string, scopes: Scope[], expiresAt?: Date): Promise<string> {
  const key = await createApiKey(prisma, systemActor(tenantId, 'test'), { name: 'extra', scopes, expiresAt });
  return key.plaintext;
}

export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

/** POST a GraphQL operation; returns status, headers and parsed body. */
export async function gql(
  baseUrl: string,
  query: string,
  opts: { key?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.key ? bearer(opts.key) : {}), ...opts.headers },
    body: JSON.stringify({ query, variables: opts.variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

export async function rest(
  baseUrl: string,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.key ? bearer(opts.key) : {}), ...opts.headers };
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: json, text };
}
