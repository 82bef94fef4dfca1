import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { recordEvent } from '../../src/events/events.service';
import { EventType } from '../../src/events/event-types';
import { inTransaction } from '../../src/platform/db/transaction';
import { verifySignature } from '../../src/webhooks/signature';
import { createTestTenant, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { requeueStrandedDeliveries } from '../../src/webhooks/delivery.jobs';
import { Receiver, startReceiver, testWebhookSettings } from '../helpers/webhook-receiver';

// Real deliveries: the gateway's job workers POST to an https receiver with its own test CA.

/** The README's receiver check, verbatim in spirit: a few lines of node:crypto. */
function readmeVerify(rawBody: Buffer, header: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!t || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return parts.some(([k, v]) => k === 'v1' && v.length === 64 && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}

describe('webhook delivery', () => {
  let gw: TestGateway;
  let receivers: Receiver[] = [];

  beforeEach(async () => {
    gw = await startTestGateway({ webhooks: testWebhookSettings(), jobPollIntervalMs: 100, jobConcurrency: 4 });
  });
  afterEach(async () => {
    await gw.close();
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  async function receiver(opts?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(opts);
    receivers.push(r);
    return r;
  }

  async function subscribe(tenant: TestTenant, url: string, body: Record<string, unknown> = {}) {
    const res = await rest(gw.url, 'POST', '/v1/webhooks', { key: tenant.key, body: { url, event_types: ['*'], ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; signing_secret: string };
  }

  /** An event as any domain records it: in the transaction of its change. */
  function emit(tenantId: string, opts: { type?: EventType; resourceId?: string; connectionId?: string | null; data?: Record<string, unknown> } = {}) {
    const resourceId = opts.resourceId ?? randomUUID();
    return inTransaction(gw.prisma, (tx) =>
      recordEvent(tx, {
        tenantId,
        type: opts.type ?? 'phone_number.released',
        resourceType: 'phone_number',
        resourceId,
        connectionId: opts.connectionId ?? null,
        data: { id: resourceId, status: 'released', ...opts.data },
        occurredAt: new Date(),
      }),
    );
  }

  async function deliveries(tenant: TestTenant, query = '') {
    const res = await rest(gw.url, 'GET', `/v1/webhook-deliveries${query}`, { key: tenant.key });
    expect(res.status).toBe(200);
    return res.body.data as any[];
  }

  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a receiver failing 3 times then succeeding gets the event once as a success, with 4 attempts logged', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver({ script: [500, 503, 502] });
    const sub = await subscribe(tenant, `${r.url}/hook`);
    const event = await emit(tenant.tenantId);
    const got = await r.waitFor(4);
    await new Promise((res) => setTimeout(res, 500)); // nothing more comes
    expect(r.requests).toHaveLength(4);
    expect(got.map((q) => q.status)).toEqual([500, 503, 502, 200]);
    expect(new Set(got.map((q) => q.body.id))).toEqual(new Set([event.id]));
    expect(got.map((q) => q.headers['voepy-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    // The body is identical on every attempt: only the signature's timestamp may change.
    expect(new Set(got.map((q) => q.rawBody.toString()))).toEqual(new Set([got[0].rawBody.toString()]));
    expect(got[3].body).toEqual({
      id: event.id,
      type: 'phone_number.released',
      occurred_at: event.occurredAt.toISOString(),
      sequence: 1,
      resource_type: 'phone_number',
      resource_id: event.resourceId,
      connection_id: null,
      data: event.data,
    });

    const [delivery] = await until(() => deliveries(tenant, `?subscription_id=${sub.id}`), (d) => d[0]?.status === 'succeeded');
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 4, event_id: event.id, event_type: 'phone_number.released', last_status_code: 200 });
    expect(delivery.attempts.map((a: any) => [a.attempt, a.status_code, a.succeeded, a.error])).toEqual([
      [1, 500, false, 'HTTP 500'],
      [2, 503, false, 'HTTP 503'],
      [3, 502, false, 'HTTP 502'],
      [4, 200, true, null],
    ]);
    for (const a of delivery.attempts) expect(a.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('a delivery left pending without a job (its nudge lost in a crash) is queued again by the sweep, and sent once', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver();
    const sub = await subscribe(tenant, `${r.url}/hook`);
    // The event commits, but its fan-out is taken away and the delivery row written as if an hour ago, with no
    // job: the state a lost nudge leaves behind.
    const event = await inTransaction(gw.prisma, async (tx) => {
      const e = await recordEvent(tx, {
        tenantId: tenant.tenantId, type: 'phone_number.released', resourceType: 'phone_number', resourceId: randomUUID(),
        connectionId: null, data: { status: 'released' }, occurredAt: new Date(),
      });
      await tx.webhookFanout.deleteMany({ where: { eventId: e.id } });
      await tx.webhookDelivery.create({
        data: {
          tenantId: tenant.tenantId, subscriptionId: sub.id, eventId: e.id, eventType: e.type, resourceType: e.resourceType,
          resourceId: e.resourceId, sequence: e.sequence, retryUntil: new Date(Date.now() + 3_600_000), createdAt: new Date(Date.now() - 3_600_000),
        },
      });
      return e;
    });
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.requests).toHaveLength(0);

    expect(await requeueStrandedDeliveries(servicesOf(gw), 40_000)).toBe(1);
    const [got] = await r.waitFor(1);
    expect(got.body.id).toBe(event.id);
    const [delivery] = await until(() => deliveries(tenant, `?subscription_id=${sub.id}`), (d) => d[0]?.status === 'succeeded');
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 1, event_id: event.id });
    // Nothing left to sweep, and a second sweep sends nothing again.
    expect(await requeueStrandedDeliveries(servicesOf(gw), 40_000)).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.requests).toHaveLength(1);
  });

  it('signs every delivery; the README verification accepts it and refuses a tampered body or another secret', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver();
    const sub = await subscribe(tenant, r.url);
    await emit(tenant.tenantId);
    const [req] = await r.waitFor(1);
    const header = req.headers['voepy-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(readmeVerify(req.rawBody, header, sub.signing_secret)).toBe(true);
    expect(verifySignature(req.rawBody, header, sub.signing_secret)).toBe(true);
    const tampered = Buffer.from(req.rawBody.toString().replace('"released"', '"active"'));
    expect(tampered.equals(req.rawBody)).toBe(false);
    expect(readmeVerify(tampered, header, sub.signing_secret)).toBe(false);
    expect(verifySignature(tampered, header, sub.signing_secret)).toBe(false);
    expect(readmeVerify(req.rawBody, header, 'whsec_someone_else')).toBe(false);
    // Outside the tolerance window the same signature is a replay.
    expect(verifySignature(req.rawBody, header, sub.signing_secret, { nowSeconds: Math.floor(Date.now() / 1000) + 600 })).toBe(false);
  });

  it('after a rotation both secrets sign until the grace period ends', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver();
    const sub = await subscribe(tenant, r.url);
    const rotated = await rest(gw.url, 'POST', `/v1/webhooks/${sub.id}/rotate-secret`, { key: tenant.key, body: { grace_period_seconds: 600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signing_secret).not.toBe(sub.signing_secret);
    expect(rotated.body.previous_secret_expires_at).toEqual(expect.any(String));
    await emit(tenant.tenantId);
    const [req] = await r.waitFor(1);
    const header = req.headers['voepy-signature'] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(readmeVerify(req.rawBody, header, rotated.body.signing_secret)).toBe(true);
    expect(readmeVerify(req.rawBody, header, sub.signing_secret)).toBe(true);

    const ended = await rest(gw.url, 'POST', `/v1/webhooks/${sub.id}/rotate-secret`, { key: tenant.key, body: { grace_period_seconds: 0 } });
    await emit(tenant.tenantId);
    const [, second] = await r.waitFor(2);
    const header2 = second.headers['voepy-signature'] as string;
    expect(header2.match(/v1=/g)).toHaveLength(1);
    expect(readmeVerify(second.rawBody, header2, ended.body.signing_secret)).toBe(true);
    expect(readmeVerify(second.rawBody, header2, rotated.body.signing_secret)).toBe(false);
  });

  it('tenant A never receives tenant B’s events; a connection-scoped subscription only its connection’s', async () => {
    const a = await createTestTenant(gw.prisma, { name: 'A' });
    const b = await createTestTenant(gw.prisma, { name: 'B' });
    const ra = await receiver();
    const rb = await receiver();
    const rScoped = await receiver();
    await subscribe(a, ra.url);
    await subscribe(b, rb.url);
    const aConnection = (await rest(gw.url, 'GET', '/v1/connection', { key: a.key })).body.id as string;
    const other = (await rest(gw.url, 'POST', '/v1/connections', { key: a.key, body: { name: 'brand two' } })).body.id as string;
    await subscribe(a, rScoped.url, { connection_id: aConnection });

    const aEvents = [await emit(a.tenantId, { connectionId: aConnection }), await emit(a.tenantId, { connectionId: other }), await emit(a.tenantId)];
    const bEvents = [await emit(b.tenantId), await emit(b.tenantId)];
    await ra.waitFor(3);
    await rb.waitFor(2);
    await rScoped.waitFor(1);
    await new Promise((res) => setTimeout(res, 700));
    expect(ra.requests.map((q) => q.body.id).sort()).toEqual(aEvents.map((e) => e.id).sort());
    expect(rb.requests.map((q) => q.body.id).sort()).toEqual(bEvents.map((e) => e.id).sort());
    expect(rScoped.requests.map((q) => q.body.id)).toEqual([aEvents[0].id]);
    // Nor through the deliveries API.
    expect((await deliveries(b)).every((d) => bEvents.some((e) => e.id === d.event_id))).toBe(true);
  });

  it('only the subscribed event types are sent', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver();
    await subscribe(tenant, r.url, { event_types: ['number_order.completed'] });
    await emit(tenant.tenantId, { type: 'phone_number.released' });
    const wanted = await emit(tenant.tenantId, { type: 'number_order.completed' });
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.requests.map((q) => q.body.id)).toEqual([wanted.id]);
  });

  it('delivers one resource’s events in sequence order even while an earlier one is being retried', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver({ script: [500, 500] });
    await subscribe(tenant, r.url);
    const resourceId = randomUUID();
    const events = [];
    for (let i = 0; i < 4; i += 1) events.push(await emit(tenant.tenantId, { resourceId, data: { step: i } }));
    await r.waitFor(6);
    await new Promise((res) => setTimeout(res, 300));
    const seen = r.requests.map((q) => [q.body.sequence, q.status]);
    expect(seen).toEqual([
      [1, 500],
      [1, 500],
      [1, 200],
      [2, 200],
      [3, 200],
      [4, 200],
    ]);
  });

  it('a rolled-back change sends nothing', async () => {
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver();
    await subscribe(tenant, r.url);
    await expect(
      inTransaction(gw.prisma, async (tx) => {
        await recordEvent(tx, { tenantId: tenant.tenantId, type: 'phone_number.released', resourceType: 'phone_number', resourceId: randomUUID(), data: {}, occurredAt: new Date() });
        throw new Error('the change fails after its event was written');
      }),
    ).rejects.toThrow('the change fails');
    const committed = await emit(tenant.tenantId);
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.requests.map((q) => q.body.id)).toEqual([committed.id]);
  });

  it('gives up after the retry period (failed), and POST /v1/webhook-deliveries/{id}/retry sends it again', async () => {
    await gw.close();
    gw = await startTestGateway({ webhooks: testWebhookSettings({ retryWindowMs: 300 }), jobPollIntervalMs: 100 });
    const tenant = await createTestTenant(gw.prisma);
    const r = await receiver({ fallback: 500 });
    const sub = await subscribe(tenant, r.url);
    await emit(tenant.tenantId);
    const [failed] = await until(() => deliveries(tenant, '?status=failed'), (d) => d.length === 1);
    expect(failed).toMatchObject({ status: 'failed', subscription_id: sub.id, last_status_code: 500 });
    expect(failed.attempt_count).toBeGreaterThanOrEqual(1);
    expect(await deliveries(tenant, '?status=succeeded')).toEqual([]);
    expect(await deliveries(tenant, '?event_type=number_order.completed')).toEqual([]);

    r.fallback = 200;
    const retried = await rest(gw.url, 'POST', `/v1/webhook-deliveries/${failed.id}/retry`, { key: tenant.key });
    expect(retried.status).toBe(202);
    expect(retried.body.status).toBe('pending');
    const [done] = await until(() => deliveries(tenant), (d) => d[0]?.status === 'succeeded');
    expect(done.status).toBe('succeeded');
    expect(done.attempts.at(-1)).toMatchObject({ status_code: 200, succeeded: true });
    const other = await createTestTenant(gw.prisma);
    expect((await rest(gw.url, 'POST', `/v1/webhook-deliveries/${failed.id}/retry`, { key: other.key })).status).toBe(404);
  });

  it('a subscription failing for long is disabled, with a webhook_subscription.disabled notice to the others', async () => {
    await gw.close();
    gw = await startTestGateway({ webhooks: testWebhookSettings({ disableAfterMs: 300, retryWindowMs: 5000 }), jobPollIntervalMs: 100 });
    const tenant = await createTestTenant(gw.prisma);
    const broken = await receiver({ fallback: 500 });
    const healthy = await receiver();
    const bad = await subscribe(tenant, broken.url);
    await subscribe(tenant, healthy.url, { event_types: ['webhook_subscription.disabled'] });
    await emit(tenant.tenantId);
    const [notice] = await healthy.waitFor(1);
    expect(notice.body).toMatchObject({ type: 'webhook_subscription.disabled', resource_type: 'webhook_subscription', resource_id: bad.id });
    const read = await rest(gw.url, 'GET', `/v1/webhooks/${bad.id}`, { key: tenant.key });
    expect(read.body.enabled).toBe(false);
    expect(read.body.disabled_reason).toMatch(/failed since/);
    const audit = await rest(gw.url, 'GET', `/v1/audit?resource_id=${bad.id}&actor=system`, { key: tenant.key });
    expect(audit.body.data.map((e: any) => e.action)).toEqual(['webhook_subscription.disabled']);
    // Re-enabling clears the reason.
    const enabled = await rest(gw.url, 'PATCH', `/v1/webhooks/${bad.id}`, { key: tenant.key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
  });
});

