import express, { ErrorRequestHandler } from 'express';
import { createServer, Server } from 'node:http';
import type { Logger } from 'pino';
import { ApolloServer } from '@apollo/server';
import { Config } from './config';
import { GatewayContext } from './graphql/context';
import { createApolloServer } from './graphql/apollo';
import { sendGraphQLError } from './graphql/errors';
import { graphqlHttpHandler } from './graphql/http-handler';
import { playgroundRouter } from './graphql/playground';
import { buildGatewaySchema } from './graphql/schema';
import { startSubscriptionServer } from './graphql/ws';
import { startNoticeListener } from './platform/db/listener';
import { PrismaClient } from './platform/db/client';
import { migrationStatus } from './platform/db/migrator';
import { ApiError } from './platform/errors';
import { authenticateRequest } from './platform/http/auth-middleware';
import { clientErrorToApiError, jsonBody } from './platform/http/body';
import { requestLogger } from './platform/http/logging';
import { createMetrics } from './platform/http/metrics';
import { createRateLimiter } from './platform/http/rate-limit';
import { requestId } from './platform/http/request-id';
import { PubSub } from './platform/pubsub';
import { Clock, systemClock } from './platform/clock';
import { ServiceDeps } from './platform/service-deps';
import { Payments } from './payments/payments';
import { onDebit } from './billing/ledger.service';
import { maybeAutoRecharge } from './billing/auto-recharge.service';
import { NumberCarrier } from './numbers/carrier-port';
import { startNumberActivation } from './numbers/numbers.service';
import { CallCarrier } from './calls/carrier-port';
import { startCallProgress } from './calls/calls.progress';
import { startMediaProgress } from './calls/calls.media-progress';
import { startCallRecovery } from './calls/calls.jobs';
import { startDeliverySweep } from './webhooks/delivery-sweep';
import { registerInstance } from './platform/instance';
import { handleStripeEvent, verifyStripeEvent } from './billing/stripe-webhook.service';
import { sendRestError } from '../rest-compat/errors';
import { openApiDocument } from '../rest-compat/openapi';
import { restRouter } from '../rest-compat/router';
import { ROUTES } from '../rest-compat/routes';
import { committedEvents, RecordedEvent } from './events/events.service';
import { JobRunner, startJobRunner } from './platform/jobs';
import { webhookTaskHandlers } from './webhooks/delivery.jobs';
import { envelopeOf } from './webhooks/payload';
import { createSender } from './webhooks/sender';
import { CONTENT_PATH, downloadPortingDocument, UPLOAD_PATH, uploadPortingDocument } from '../rest-compat/porting-documents-http';
import { downloadRecording, RECORDING_DOWNLOAD_PATH } from '../rest-compat/recordings-http';

export interface GatewayDeps {
  config: Config;
  databaseUrl: string;
  prisma: PrismaClient;
  pubSub: PubSub;
  logger: Logger;
  clock?: Clock;
  payments?: Payments;
  /** The upstream carrier (the simulator unless configured otherwise), adapted to the numbers domain's port. */
  carrier?: NumberCarrier;
  /** The same carrier's calls API, adapted to the calls domain's port. */
  callCarrier?: CallCarrier;
}

export interface Gateway {
  httpServer: Server;
  apollo: ApolloServer<GatewayContext>;
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Stops taking work, drains HTTP and WebSocket connections, then releases Redis. The caller owns Prisma. */
  close(): Promise<void>;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, prisma, pubSub, logger } = deps;
  // With a carrier of its own, this process is one instance among several: its heartbeat row tells the others
  // that the calls its carrier holds are alive (calls/calls.ownership.ts).
  const instance = deps.callCarrier
    ? await registerInstance(prisma, { heartbeatIntervalMs: config.instanceHeartbeatIntervalMs, staleAfterMs: config.instanceStaleAfterMs }, (err) => logger.error({ err }, 'instance heartbeat failed'))
    : undefined;
  const services: ServiceDeps = {
    db: prisma, pubSub, clock: deps.clock ?? systemClock, payments: deps.payments, carrier: deps.carrier, webhooks: config.webhooks,
    callCarrier: deps.callCarrier, callHoldEstimateMinutes: config.callHoldEstimateMinutes, idempotencyTtlHours: config.idempotencyTtlHours,
    carrierInstance: instance ? { id: instance.id, staleAfterMs: instance.staleAfterMs } : undefined,
  };
  // Committed events go to GraphQL subscribers (through Redis when configured, so every instance sees them).
  const publishEvent = (event: RecordedEvent) => pubSub.publish('EVENT_RECORDED', event.tenantId, envelopeOf(event));
  committedEvents.on('event', publishEvent);
  // Webhook delivery (and any later background work) runs on the Postgres-backed queue, in every instance.
  const sender = createSender(config.webhooks);
  const jobs: JobRunner | undefined =
    config.jobConcurrency > 0
      ? await startJobRunner({
          databaseUrl: deps.databaseUrl,
          handlers: { ...webhookTaskHandlers(services, config.webhooks, sender) },
          logger,
          concurrency: config.jobConcurrency,
          pollIntervalMs: config.jobPollIntervalMs,
          staleLockMs: config.jobStaleLockMs,
        })
      : undefined;
  // The carrier's call progress drives the call state machine; calls whose leg is gone are settled at start
  // (a restart mid-call) and periodically.
  const stopCallProgress = startCallProgress(services, (err, event) => logger.error({ err, event: event.id }, 'call event failed to apply'));
  const stopMediaProgress = startMediaProgress(services, (err, event) => logger.error({ err, event: event.id }, 'call media event failed to apply'));
  const callRecovery = deps.callCarrier ? startCallRecovery(services, logger, { intervalMs: config.callRecoveryIntervalMs }) : undefined;
  void callRecovery?.runNow();
  const deliverySweep = startDeliverySweep(services, logger, config.webhooks);
  // The carrier's activation outcomes move numbers out of pending (and charge or refund them).
  const stopNumberActivation = deps.carrier
    ? startNumberActivation(services, (err, event) => logger.error({ err, event: event.id }, 'number activation event failed to apply'))
    : () => {};
  // A debit that crosses a tenant's threshold starts (at most) one auto-recharge.
  const stopAutoRecharge = onDebit((tenantId, balanceAfter) => {
    maybeAutoRecharge(services, tenantId, balanceAfter).catch((err) => logger.error({ err, tenantId }, 'auto-recharge failed to run'));
  });
  const app = express();
  app.disable('x-powered-by');
  // Idle keep-alive sockets outlive a load balancer's (typically 60 s): when the server closes first, a client
  // reusing the socket at that moment gets ECONNRESET on a request that never arrived. Draining at stop closes them.
  const httpServer = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, app);
  const schema = await buildGatewaySchema(pubSub);
  const limits = { maxDepth: config.graphqlMaxDepth, maxComplexity: config.graphqlMaxComplexity, maxAliases: config.graphqlMaxAliases };
  const documentRules = { introspection: config.graphqlIntrospection, maxTokens: config.graphqlMaxTokens };
  const metrics = createMetrics();
  // Revocations and suspensions reach this instance as PostgreSQL notices, whoever made them (platform/db/notify.ts).
  const notices = startNoticeListener({ url: deps.databaseUrl, logger });
  await notices.ready;
  const ws = startSubscriptionServer({ schema, httpServer, path: '/graphql', prisma, services, limits, documentRules, keyRecheckMs: config.wsKeyRecheckMs, notices,
    maxMessageBytes: config.bodyLimitBytes,
    subscriptionLimits: { perSocket: config.wsMaxSubscriptionsPerSocket, perTenant: config.wsMaxSubscriptionsPerTenant },
    logger,
  });
  const apollo = createApolloServer({ schema, httpServer, limits, documentRules, logger, metrics, onDrain: () => ws.close() });
  await apollo.start();

  const rateLimiter = createRateLimiter(
    { points: config.rateLimitPoints, windowSeconds: config.rateLimitWindowSeconds, redisUrl: config.redisUrl },
    (err, res) => (res.req.baseUrl.startsWith('/graphql') ? sendGraphQLError(res, err) : sendRestError(res, err)),
    logger,
  );
  const auth = authenticateRequest(prisma);

  app.use(requestId(), metrics.middleware, requestLogger(logger));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      await prisma.$queryRaw`SELECT 1`;
      const { pending } = await migrationStatus(deps.databaseUrl);
      if (pending.length) throw new ApiError('service_unavailable', `Migrations pending: ${pending.join(', ')}`, { retryAfter: 5 });
      res.json({ status: 'ready' });
    } catch (err) {
      sendRestError(res, err instanceof ApiError ? err : new ApiError('service_unavailable', 'The database is unreachable', { retryAfter: 5 }));
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Stripe's events: verified on the raw body, so this route comes before any JSON parser.
  app.post('/webhooks/stripe', express.raw({ type: '*/*', limit: config.bodyLimitBytes }), async (req, res) => {
    res.locals.routePattern = '/webhooks/stripe';
    try {
      const event = verifyStripeEvent(services, req.body as Buffer, req.get('stripe-signature'));
      const outcome = await handleStripeEvent(services, event);
      res.json({ received: true, duplicate: !outcome.handled });
    } catch (err) {
      sendRestError(res, err);
    }
  });

  // /v1: the REST compatibility layer.
  const v1 = express.Router();
  const openApi = openApiDocument();
  v1.get('/openapi.json', (_req, res) => void res.json(openApi));
  // Porting documents: multipart in, bytes out, so before the JSON-only body parser.
  v1.post(UPLOAD_PATH, auth, rateLimiter.middleware, uploadPortingDocument(services, config.portingDocumentMaxBytes));
  v1.get(CONTENT_PATH, auth, rateLimiter.middleware, downloadPortingDocument(services));
  v1.use(...jsonBody(config.bodyLimitBytes), auth, rateLimiter.middleware);
  v1.get(RECORDING_DOWNLOAD_PATH, downloadRecording(services));
  v1.use(restRouter({ schema, prisma, services, routes: ROUTES, idempotencyTtlHours: config.idempotencyTtlHours }));
  v1.use((req, res) => sendRestError(res, new ApiError('not_found', `No route for ${req.method} /v1${req.path}`)));
  const v1Errors: ErrorRequestHandler = (err, _req, res, _next) => sendRestError(res, clientErrorToApiError(err, config.bodyLimitBytes) ?? err);
  v1.use(v1Errors);
  app.use('/v1', v1);

  // /graphql: HTTP here, WebSocket (graphql-ws) on the same path through the upgrade handler above.
  app.use(playgroundRouter({ endpoint: '/graphql', introspection: config.graphqlIntrospection }));
  const graphql = express.Router();
  graphql.use(...jsonBody(config.bodyLimitBytes), auth, rateLimiter.middleware);
  graphql.all('/', graphqlHttpHandler({ server: apollo, prisma, services, idempotencyTtlHours: config.idempotencyTtlHours, fastQuery: { schema, services, limits, documentRules, metrics } }));
  const graphqlErrors: ErrorRequestHandler = (err, _req, res, _next) => sendGraphQLError(res, clientErrorToApiError(err, config.bodyLimitBytes) ?? err);
  graphql.use(graphqlErrors);
  app.use('/graphql', graphql);

  app.use((req, res) => sendRestError(res, new ApiError('not_found', `No route for ${req.method} ${req.path}`)));
  const lastResort: ErrorRequestHandler = (err, _req, res, _next) => sendRestError(res, clientErrorToApiError(err, config.bodyLimitBytes) ?? err);
  app.use(lastResort);

  return {
    httpServer,
    apollo,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address();
          resolve({ port: typeof address === 'object' && address ? address.port : port });
        });
      }),
    async close() {
      committedEvents.off('event', publishEvent);
      stopAutoRecharge();
      stopNumberActivation();
      stopCallProgress();
      stopMediaProgress();
      await callRecovery?.stop();
      await deliverySweep.stop();
      await apollo.stop(); // closes the WebSockets, and their key watch, first
      await notices.stop();
      // No call is placed here any more, and this instance's carrier goes next: others may settle its calls now.
      await instance?.stop();
      // Running deliveries finish (each is bounded by WEBHOOK_TIMEOUT_MS); queued ones wait for the next start.
      await jobs?.stop();
      sender.close();
      await rateLimiter.close();
    },
  };
}
