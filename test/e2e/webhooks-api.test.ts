import { EVENT_TYPES } from '../../src/events/event-types';
import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { testWebhookSettings } from '../helpers/webhook-receiver';

// Webhook subscriptions over /v1 and GraphQL: validation, the secret shown once, tenancy, and the audit log.

describe('webhook subscriptions API', () => {
  let gw: TestGateway;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway({ webhooks: testWebhookSettings({ allowPrivateTargets: false }), jobConcurrency: 0 });
    a = await createTestTenant(gw.prisma, { name: 'A' });
    b = await createTestTenant(gw.prisma, { name: 'B' });
  });
  afterAll(() => gw.close());

  const create = (key: string, body: unknown) => rest(gw.url, 'POST', '/v1/webhooks', { key, body });

  it('creates a subscription and shows its signing secret once', async () => {
    const created = await create(a.key, { url: 'https://hooks.example.com/voepy', event_types: ['number_order.completed'], description: 'orders' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.com/voepy', event_types: ['number_order.completed'], enabled: true, connection_id: null, description: 'orders' });
    expect(created.body.signing_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const read = await rest(gw.url, 'GET', `/v1/webhooks/${created.body.id}`, { key: a.key });
    expect(read.status).toBe(200);
    expect(read.body.signing_secret).toBeUndefined();
    const secret = await rest(gw.url, 'GET', `/v1/webhooks/${created.body.id}/signing-secret`, { key: a.key });
    expect(secret.status).toBe(404);
    expect(secret.body.error.code).toBe('signing_secret_unavailable');
    const viaGraphql = await gql(gw.url, `query($id: ID!) { webhookSubscription(id: $id) { id signingSecret } }`, { key: a.key, variables: { id: created.body.id } });
    expect(viaGraphql.body.errors[0].extensions.code).toBe('signing_secret_unavailable');

    // The secret never reaches the audit log.
    const audit = await rest(gw.url, 'GET', `/v1/audit?resource_type=webhook_subscription&resource_id=${created.body.id}`, { key: a.key });
    expect(audit.status).toBe(200);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ action: 'webhook_subscription.created', actor: `api_key:${a.keyId}`, actor_key_id: a.keyId });
    expect(audit.body.data[0].request_id).toEqual(expect.any(String));
    expect(audit.text).not.toContain(created.body.signing_secret);
  });

  it('refuses a URL that is not a valid https URL with 400 invalid_target_url', async () => {
    for (const url of ['http://hooks.example.com/x', 'not a url', 'ftp://example.com', 'https://user:pw@example.com/x']) {
      const res = await create(a.key, { url, event_types: ['*'] });
      expect([url, res.status, res.body.error.code]).toEqual([url, 400, 'invalid_target_url']);
    }
  });

  it('refuses loopback, private, link-local and metadata targets in production mode', async () => {
    for (const url of ['https://127.0.0.1/x', 'https://localhost:8443/x', 'https://10.1.2.3/x', 'https://192.168.0.10/x', 'https://172.20.0.1/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://[fd00:ec2::254]/x', 'https://[::ffff:127.0.0.1]/x', 'https://100.100.100.200/x']) {
      const res = await create(a.key, { url, event_types: ['*'] });
      expect([url, res.status, res.body.error.code]).toEqual([url, 400, 'invalid_target_url']);
    }
  });

  it('event_types: [] is 400 event_types_required; unknown types are 400 invalid_request listing the valid ones', async () => {
    const empty = await create(a.key, { url: 'https://hooks.example.com/x', event_types: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('event_types_required');
    const unknown = await create(a.key, { url: 'https://hooks.example.com/x', event_types: ['number_order.completed', 'call.teleported'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_request');
    expect(unknown.body.error.message).toContain('call.teleported');
    for (const type of EVENT_TYPES) expect(unknown.body.error.message).toContain(type);
    const all = await create(a.key, { url: 'https://hooks.example.com/all', event_types: ['*'] });
    expect(all.status).toBe(201);
    expect(all.body.event_types).toEqual(['*']);
  });

  it('lists, updates and deletes; another tenant’s id is 404 subscription_not_found', async () => {
    const created = await create(a.key, { url: 'https://hooks.example.com/crud', event_types: ['phone_number.released'] });
    const id = created.body.id;
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${id}`, undefined],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${id}`, undefined],
      ['POST', `/v1/webhooks/${id}/rotate-secret`, {}],
      ['GET', `/v1/webhook-deliveries?subscription_id=${id}`, undefined],
    ] as const) {
      const res = await rest(gw.url, method, path, { key: b.key, body });
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'subscription_not_found']);
    }
    const bList = await rest(gw.url, 'GET', '/v1/webhooks', { key: b.key });
    expect(bList.body.data).toEqual([]);

    const updated = await rest(gw.url, 'PATCH', `/v1/webhooks/${id}`, { key: a.key, body: { event_types: ['*'], enabled: false, url: 'https://hooks.example.com/crud2' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ event_types: ['*'], enabled: false, url: 'https://hooks.example.com/crud2' });
    const badUpdate = await rest(gw.url, 'PATCH', `/v1/webhooks/${id}`, { key: a.key, body: { url: 'http://insecure.example.com' } });
    expect(badUpdate.body.error.code).toBe('invalid_target_url');

    const list = await rest(gw.url, 'GET', '/v1/webhooks?limit=1', { key: a.key });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.meta.next_cursor).toEqual(expect.any(String));

    const deleted = await rest(gw.url, 'DELETE', `/v1/webhooks/${id}`, { key: a.key });
    expect(deleted.status).toBe(200);
    expect((await rest(gw.url, 'GET', `/v1/webhooks/${id}`, { key: a.key })).body.error.code).toBe('subscription_not_found');

    const actions = (await rest(gw.url, 'GET', `/v1/audit?resource_id=${id}`, { key: a.key })).body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['webhook_subscription.deleted', 'webhook_subscription.updated', 'webhook_subscription.created']);
  });

  it('scopes a subscription to one of the tenant’s own connections only', async () => {
    const own = (await rest(gw.url, 'GET', '/v1/connection', { key: a.key })).body;
    const other = (await rest(gw.url, 'GET', '/v1/connection', { key: b.key })).body;
    const scoped = await create(a.key, { url: 'https://hooks.example.com/c', event_types: ['*'], connection_id: own.id });
    expect(scoped.status).toBe(201);
    expect(scoped.body.connection_id).toBe(own.id);
    const foreign = await create(a.key, { url: 'https://hooks.example.com/c', event_types: ['*'], connection_id: other.id });
    expect(foreign.status).toBe(404);
  });

  it('needs the webhooks scopes', async () => {
    const readOnly = await createTestTenant(gw.prisma, { scopes: ['webhooks:read'] });
    const res = await create(readOnly.key, { url: 'https://hooks.example.com/x', event_types: ['*'] });
    expect(res.status).toBe(403);
    const audit = await rest(gw.url, 'GET', '/v1/audit', { key: readOnly.key });
    expect(audit.status).toBe(403);
  });
});
