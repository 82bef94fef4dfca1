import './platform/node-env';
import 'reflect-metadata';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGateway } from './app';
import { ConfigError, loadConfig } from './config';
import { createPrismaClient } from './platform/db/client';
import { startEmbeddedPostgres } from './platform/db/embedded';
import { migrate } from './platform/db/migrator';
import { createLogger } from './platform/http/logging';
import { createGatewayPubSub } from './platform/pubsub';
import { ensureDemoKey } from './tenants/demo';
import { setUpPayments } from './payments/setup';
import { publishLocalStripe } from './payments/local-stripe-address';
import { startBillingScheduler } from './billing/billing-scheduler';
import { createCarrierSimulator } from './carrier';
import { numberCarrierFrom } from './numbers/carrier-adapter';
import { callCarrierFrom } from './calls/carrier-adapter';
import { startNumbersJobs } from './numbers/numbers-scheduler';
import { systemClock } from './platform/clock';

// Starts the gateway: config → PostgreSQL (embedded when DATABASE_URL is unset) → migrations → HTTP + WebSocket.
// SIGINT/SIGTERM drain connections and stop the embedded database, so no postgres process is left behind.
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), log: (l) => logger.debug(l) });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  // The admin CLI finds a running embedded database here instead of starting a second server on the same files.
  const urlFile = join(dataDir, 'database-url');
  if (embedded) writeFileSync(urlFile, `${databaseUrl}\n`, { mode: 0o600 });

  let stopping = false;
  const cleanups: (() => Promise<unknown>)[] = [];
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining connections');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.error({ err }, 'shutdown step failed'));
    if (embedded) {
      rmSync(urlFile, { force: true });
      await embedded.stop();
    }
    logger.info('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A promise rejected with nobody to handle it is a bug, but one request's bug (a stray rejection while the
  // database is away, say) must not take every other request down with the process: it is logged, loudly, with
  // its stack, and the gateway keeps serving. A thrown exception nobody catches still ends the process.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  try {
    const { applied } = await migrate(databaseUrl, { log: (l) => logger.info(l) });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const prisma = createPrismaClient({ url: databaseUrl, poolSize: config.databasePoolSize });
    cleanups.push(() => prisma.$disconnect());
    const pubSub = createGatewayPubSub(config.redisUrl, { log: logger });
    cleanups.push(() => pubSub.close());
    const payments = await setUpPayments(config, { dataFile: join(dataDir, 'stripe-local.json'), log: (l) => logger.debug(l) });
    cleanups.push(() => payments.close());
    if (payments.local) cleanups.push(publishLocalStripe(dataDir, payments.local));
    cleanups.push(startBillingScheduler({ db: prisma, pubSub, payments: payments.payments }, logger));
    // The only carrier there is: the deterministic simulator (activations take 0.2–2 s, about 5% fail; calls
    // progress by destination pattern, see src/carrier/calls.ts), its delays scaled by CARRIER_TIME_SCALE.
    const carrier = createCarrierSimulator({ timeScale: config.carrierTimeScale, inboundRingTimeoutSecs: config.inboundRingTimeoutSecs, endedLegRetentionMs: config.carrierLegRetentionSecs * 1000, onListenerError: (err, event) => logger.error({ err, event: event.id }, 'carrier event listener failed') });
    cleanups.push(async () => carrier.close());
    const numberCarrier = numberCarrierFrom(carrier);
    const gateway = await createGateway({ config, databaseUrl, prisma, pubSub, logger, payments: payments.payments, carrier: numberCarrier, callCarrier: callCarrierFrom(carrier) });
    // Porting progression and stuck-activation recovery; stopped before the carrier and the database go away.
    cleanups.push(startNumbersJobs({ db: prisma, pubSub, clock: systemClock, payments: payments.payments, carrier: numberCarrier }, logger, config.numbersJobsIntervalMs, config.activationRecoveryAfterMs));
    // Pushed last so it runs first: stop taking requests before what they depend on goes away.
    cleanups.push(() => gateway.close());
    const { port } = await gateway.listen(config.port, config.host);

    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    payments.gatewayListening(base);
    const lines = [
      'voepy gateway is running',
      `  GraphQL      ${base}/graphql   (WebSocket subscriptions on the same URL)`,
      `  Playground   ${base}/graphql   (open it in a browser)`,
      `  REST /v1     ${base}/v1        (OpenAPI: ${base}/v1/openapi.json)`,
      `  Database     ${embedded ? `embedded PostgreSQL in ${join(dataDir, 'postgres')}` : 'DATABASE_URL'}`,
      `  Payments     ${payments.local ? `local Stripe-compatible server at ${payments.local.url} (test cards: 4242 4242 4242 4242 …)` : 'Stripe'}`,
    ];
    if (config.seedDemo) {
      const key = await ensureDemoKey(prisma, join(dataDir, 'demo-api-key'));
      lines.push(`  Demo API key ${key}`, '', `  try: curl -H "Authorization: Bearer ${key}" ${base}/v1/account`);
    }
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await shutdown('start-failure', 1);
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
  } else {
    process.stderr.write(`start failed: ${(err as Error).stack ?? err}\n`);
  }
  process.exit(1);
});
