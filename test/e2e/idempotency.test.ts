import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

describe('idempotency (REST and GraphQL mutations)', () => {
  let gw: TestGateway;
  let tenant: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    tenant = await createTestTenant(gw.prisma);
  });

  const keysNamed = (name: string) => gw.prisma.apiKey.count({ where: { tenantId: tenant.tenantId, name } });

  it('20 identical requests at once perform the side effect once and all answer the same', async () => {
    const body = { name: 'raced', scopes: ['calls:read'] };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body, headers: { 'Idempotency-Key': 'race-1' } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(responses.map((r) => r.body.id));
    const secrets = new Set(responses.map((r) => r.body.secret));
    expect(ids.size).toBe(1);
    expect(secrets.size).toBe(1);
    expect(await keysNamed('raced')).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await gw.prisma.auditEntry.count({ where: { tenantId: tenant.tenantId, action: 'api_key.created', resourceId: [...ids][0] } })).toBe(1);
  });

  it('replays the stored response, status included, and flags it', async () => {
    const body = { name: 'once', scopes: ['billing:read'] };
    const first = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body, headers: { 'Idempotency-Key': 'k-replay' } });
    const again = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { scopes: ['billing:read'], name: 'once' }, headers: { 'Idempotency-Key': 'k-replay' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await keysNamed('once')).toBe(1);
  });

  it('refuses the same key with a different request: 409 idempotency_conflict, nothing changed', async () => {
    await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'a', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'k-conflict' } });
    const r = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'b', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'k-conflict' } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('idempotency_conflict');
    expect(await keysNamed('b')).toBe(0);
  });

  it('does not store a failed request: fixing the body and retrying with the same key works', async () => {
    const bad = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'fix', scopes: ['nope'] }, headers: { 'Idempotency-Key': 'k-fix' } });
    expect(bad.status).toBe(400);
    const good = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'fix', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'k-fix' } });
    expect(good.status).toBe(201);
  });

  it('scopes keys per tenant: another tenant may use the same key string', async () => {
    const other = await createTestTenant(gw.prisma, { name: 'other' });
    const a = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'shared', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'same' } });
    const b = await rest(gw.url, 'POST', '/v1/api-keys', { key: other.key, body: { name: 'shared', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'same' } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('refuses a malformed Idempotency-Key with 400', async () => {
    const r = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'x', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'x'.repeat(300) } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
  });

  const CREATE = 'mutation($input: CreateApiKeyInput!, $k: String) { createApiKey(input: $input, idempotencyKey: $k) { id secret } }';

  it('GraphQL: the idempotencyKey argument makes 20 concurrent mutations one side effect', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => gql(gw.url, CREATE, { key: tenant.key, variables: { input: { name: 'gql-raced', scopes: ['admin'] }, k: 'g-1' } })),
    );
    expect(results.every((r) => r.status === 200 && !r.body.errors)).toBe(true);
    expect(new Set(results.map((r) => r.body.data.createApiKey.id)).size).toBe(1);
    expect(await keysNamed('gql-raced')).toBe(1);
  });

  it('GraphQL: the Idempotency-Key header works too, and a different request under it conflicts', async () => {
    const headers = { 'Idempotency-Key': 'g-header' };
    const first = await gql(gw.url, CREATE, { key: tenant.key, headers, variables: { input: { name: 'hdr', scopes: ['admin'] } } });
    const again = await gql(gw.url, CREATE, { key: tenant.key, headers, variables: { input: { name: 'hdr', scopes: ['admin'] } } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await gql(gw.url, CREATE, { key: tenant.key, headers, variables: { input: { name: 'hdr2', scopes: ['admin'] } } });
    expect(other.body.errors[0].extensions).toMatchObject({ code: 'idempotency_conflict', status: 409 });
    expect(await keysNamed('hdr')).toBe(1);
    expect(await keysNamed('hdr2')).toBe(0);
  });

  it('keeps records for at least 24 hours', async () => {
    await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'ttl', scopes: ['admin'] }, headers: { 'Idempotency-Key': 'k-ttl' } });
    const record = await gw.prisma.idempotencyRecord.findUniqueOrThrow({ where: { tenantId_key: { tenantId: tenant.tenantId, key: 'k-ttl' } } });
    expect(record.expiresAt.getTime() - record.createdAt.getTime()).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });
});
