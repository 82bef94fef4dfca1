import { randomUUID } from 'node:crypto';
import { recordEvent } from '../../src/events/events.service';
import { PrismaClient } from '../../src/platform/db/client';
import { inTransaction } from '../../src/platform/db/transaction';
import { verifySignature } from '../../src/webhooks/signature';
import { createTestTenant, rest } from '../helpers/gateway';
import { freePort, GatewayProcesses } from '../helpers/gateway-process';
import { startReceiver } from '../helpers/webhook-receiver';

// The queue is in Postgres: a gateway killed (SIGKILL, no shutdown hook) after an event committed but before
// it was delivered delivers it once it runs again.

describe('a gateway killed between commit and delivery', () => {
  let processes: GatewayProcesses;
  let prisma: PrismaClient;

  beforeAll(async () => {
    processes = await GatewayProcesses.open();
    prisma = processes.prisma;
  });
  afterAll(() => processes.close());

  it('still delivers the event after a restart', async () => {
    // The receiver is down at first, so the first gateway cannot deliver before it dies.
    const port = await freePort();
    const first = await processes.start();
    const tenant = await createTestTenant(prisma);
    const sub = await rest(first.url, 'POST', '/v1/webhooks', { key: tenant.key, body: { url: `https://127.0.0.1:${port}/hook`, event_types: ['*'] } });
    expect(sub.status).toBe(201);

    const resourceId = randomUUID();
    const event = await inTransaction(prisma, (tx) =>
      recordEvent(tx, { tenantId: tenant.tenantId, type: 'phone_number.released', resourceType: 'phone_number', resourceId, data: { id: resourceId }, occurredAt: new Date() }),
    );
    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');
    const delivery = await prisma.webhookDelivery.findFirst({ where: { eventId: event.id } });
    expect(delivery?.status ?? 'not fanned out yet').not.toBe('succeeded');

    const receiver = await startReceiver({ port });
    try {
      // Killed mid-job, the first gateway's jobs stay locked; the restarted one reclaims them after this long
      // (which must exceed a webhook attempt's timeout: the configuration refuses anything shorter).
      const second = await processes.start({ JOB_STALE_LOCK_MS: '2000', WEBHOOK_TIMEOUT_MS: '1500' });
      const [req] = await receiver.waitFor(1, 20_000);
      expect(req.body).toMatchObject({ id: event.id, type: 'phone_number.released', resource_id: resourceId, sequence: 1 });
      expect(verifySignature(req.rawBody, req.headers['voepy-signature'] as string, sub.body.signing_secret)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests).toHaveLength(1);
      await second.stop();
      expect(second.child.exitCode).toBe(0);
    } finally {
      await receiver.close();
    }
  }, 90_000);
});
