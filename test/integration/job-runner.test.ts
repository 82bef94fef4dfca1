import pino from 'pino';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { addJob } from '../../src/platform/jobs/queue';
import { JOBS_APPLICATION_NAME, startJobRunner } from '../../src/platform/jobs/runner';
import { testDatabaseUrl, truncateAll } from '../helpers/database';
import { waitFor } from '../helpers/wait';

// The job runner's connections are the gateway's: stop() ends them, and one the database cuts meanwhile (it stops
// right after, at Ctrl-C) is handled. graphile-worker's own pools dropped their error handlers at stop without
// waiting for their connections, and such a cut ended the process with exit code 1.

let url: string;
let prisma: PrismaClient;

beforeAll(async () => {
  url = await testDatabaseUrl();
  await truncateAll(url);
  prisma = createPrismaClient({ url, poolSize: 2 });
});
afterAll(() => prisma.$disconnect());

const jobConnections = async () =>
  Number((await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ${JOBS_APPLICATION_NAME} AND datname = current_database()`)[0].n);

it('runs jobs, and once stopped has no connection left open', async () => {
  const ran: string[] = [];
  const runner = await startJobRunner({
    databaseUrl: url,
    handlers: { 'webhooks.fanout': async ({ eventId }) => void ran.push(eventId) },
    logger: pino({ level: 'silent' }),
    concurrency: 2,
    pollIntervalMs: 50,
    staleLockMs: 60_000,
  });
  try {
    await addJob(prisma, 'webhooks.fanout', { eventId: 'job-runner-test' });
    await waitFor(async () => ran.length > 0);
    expect(ran).toEqual(['job-runner-test']);
    expect(await jobConnections()).toBeGreaterThan(0);
  } finally {
    await runner.stop();
  }
  // What the server still shows (a backend exits a moment after its client has closed) is cut now, as a database
  // stopping would: nothing reaches the process as an unhandled error, and the connections are gone.
  const errors: Error[] = [];
  const uncaught = (err: Error) => void errors.push(err);
  process.on('uncaughtException', uncaught);
  try {
    await prisma.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${JOBS_APPLICATION_NAME} AND datname = current_database()`;
    await waitFor(async () => (await jobConnections()) === 0, 5_000);
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off('uncaughtException', uncaught);
  }
  expect(errors).toEqual([]);
});
