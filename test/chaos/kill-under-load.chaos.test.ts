import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drive, Traffic, TrafficTenant, setUpTenants } from '../../bench/traffic/mixed-traffic';
import { checkInvariants, summarize } from '../../bench/traffic/invariants';
import { LocalStripe, startLocalStripe } from '../../src/payments/stripe-local';
import { PrismaClient } from '../../src/platform/db/client';
import { GatewayProcesses } from '../helpers/gateway-process';
import { stripeClientFor } from '../helpers/stripe';
import { Receiver, startReceiver } from '../helpers/webhook-receiver';
import { FAST_RECOVERY_ENV, freePort, settled, sleep } from './support';

// The gateway killed with SIGKILL in the middle of mixed load from several tenants (number orders, calls placed
// and progressing, top-ups, webhook deliveries), then started again on the same database and port. Stripe runs
// outside the gateway here, as the real one does, so its webhooks outlive the crash and are retried. Clients
// send every mutation that got no answer again with its Idempotency-Key. Then, once recovery has run, nothing
// the clients were told happened is missing, nothing happened twice, and nothing is left half-done.

describe('kill -9 under load', () => {
  let processes: GatewayProcesses;
  let prisma: PrismaClient;
  let local: LocalStripe;
  let receiver: Receiver;
  let dataDir: string;

  beforeAll(async () => {
    processes = await GatewayProcesses.open();
    prisma = processes.prisma;
    // Stripe retries a webhook for days; here for about a minute, which outlasts the restart.
    local = await startLocalStripe({ deliveryRetry: { attempts: 10, baseDelayMs: 250, timeoutMs: 5000 } });
    receiver = await startReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'voepy-chaos-kill-'));
  });
  afterAll(async () => {
    await processes?.close();
    await receiver?.close();
    await local?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing, duplicates nothing and leaves nothing half-done', async () => {
    const port = await freePort();
    const env = {
      ...FAST_RECOVERY_ENV,
      PORT: String(port),
      STRIPE_SECRET_KEY: local.secretKey,
      STRIPE_WEBHOOK_SECRET: local.webhookSecret,
      STRIPE_API_URL: local.url,
    };
    const first = await processes.start(env, { dataDir });
    local.setWebhookUrl(`${first.url}/webhooks/stripe`);

    const tenants: TrafficTenant[] = await setUpTenants({ prisma, gatewayUrl: first.url, count: 4, webhookUrl: `${receiver.url}/hooks`, stripe: stripeClientFor(local), label: 'kill' });
    const keys = new Map(tenants.map((t) => [t.tenantId, t.key]));
    const traffic = new Traffic({ baseUrl: first.url, timeoutMs: 15_000 });

    // Load until the kill: it lands once enough of every kind has succeeded, while 8 clients are mid-request.
    let stop = false;
    const load = drive(traffic, tenants, { clients: 8, until: () => stop });
    const answered = (kind: string) => traffic.outcomes.filter((o) => o.kind === kind && o.status !== undefined && o.status < 300).length;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (answered('order') < 3 || answered('call') < 8 || answered('topup') < 3)) await sleep(100);
    await first.kill();
    stop = true;
    await load;
    expect(first.child.signalCode).toBe('SIGKILL');
    const beforeRestart = summarize(traffic.outcomes);

    const second = await processes.start(env, { dataDir });
    expect(second.url).toBe(first.url);
    // What the clients did not hear back about, they send again with the same key.
    await traffic.retryUnanswered(keys);
    // Some more traffic on the restarted gateway, so recovery runs beside live work.
    const more = Date.now() + 3000;
    await drive(traffic, tenants, { clients: 4, until: () => Date.now() > more });

    const found = await settled(
      () => checkInvariants(processes.databaseUrl, traffic.outcomes, { tenantIds: tenants.map((t) => t.tenantId), receivedEventIds: new Set(receiver.requests.map((r) => r.body?.id as string)) }),
      150_000,
    );
    const report = { beforeRestart, after: summarize(traffic.outcomes), retried: traffic.outcomes.filter((o) => o.retried).length };
    process.stdout.write(`kill -9 under load: ${JSON.stringify(report)}\n`);
    expect(found).toEqual([]);
    // The kill did land mid-load: some mutations got no answer and were sent again.
    expect(report.retried).toBeGreaterThan(0);
    // Every kind of work was there to be lost.
    for (const kind of ['order', 'call', 'topup']) expect(answered(kind)).toBeGreaterThan(0);
    // Deliveries are at least once; a receiver dedupes by event id, and each one it got is an event of the database.
    const delivered = new Set(receiver.requests.map((r) => r.body?.id as string));
    expect(await prisma.event.count({ where: { id: { in: [...delivered] } } })).toBe(delivered.size);
    await second.stop();
    expect(second.child.exitCode).toBe(0);
  }, 300_000);
});
