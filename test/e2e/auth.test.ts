import { addKey, createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { revokeApiKey, setTenantStatus } from '../../src/tenants/tenant.service';
import { systemActor } from '../../src/platform/auth/scopes';

describe('authentication and scopes, in both APIs', () => {
  let gw: TestGateway;
  let tenant: TestTenant;
  const ACCOUNT = '{ account { tenant { id name } balance { amountCents currency creditLimitCents } } }';

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    tenant = await createTestTenant(gw.prisma, { name: 'Yourco Voice', creditLimitCents: 500n });
  });

  it('answers GET /v1/account in exactly the spec shape, and GraphQL gives the same data', async () => {
    const r = await rest(gw.url, 'GET', '/v1/account', { key: tenant.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      tenant: { id: tenant.tenantId, name: 'Yourco Voice' },
      balance: { amount_cents: 0, currency: 'USD', credit_limit_cents: 500 },
    });
    const g = await gql(gw.url, ACCOUNT, { key: tenant.key });
    expect(g.body.errors).toBeUndefined();
    expect(g.body.data.account).toEqual({
      tenant: { id: tenant.tenantId, name: 'Yourco Voice' },
      balance: { amountCents: 0, currency: 'USD', creditLimitCents: 500 },
    });
  });

  it.each([
    ['no Authorization header', undefined],
    ['a scheme other than Bearer', 'Basic dXNlcjpwYXNz'],
    ['Bearer with nothing after it', 'Bearer '],
  ])('refuses %s with 401 authentication_required', async (_name, header) => {
    const headers: Record<string, string> = header === undefined ? {} : { Authorization: header };
    const r = await rest(gw.url, 'GET', '/v1/account', { headers });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'authentication_required', message: expect.any(String) } });
    const g = await gql(gw.url, ACCOUNT, { headers });
    expect(g.body.data).toBeNull();
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'authentication_required', status: 401 });
  });

  it('refuses unknown, malformed, revoked and expired keys with 401 invalid_credentials', async () => {
    const tampered = tenant.key.slice(0, -2) + (tenant.key.endsWith('AA') ? 'BB' : 'AA');
    const expired = await addKey(gw.prisma, tenant.tenantId, ['billing:read'], new Date(Date.now() + 300));
    const revoked = await addKey(gw.prisma, tenant.tenantId, ['billing:read']);
    const revokedRow = await gw.prisma.apiKey.findFirstOrThrow({ where: { tenantId: tenant.tenantId, name: 'extra', expiresAt: null } });
    await revokeApiKey(gw.prisma, systemActor(tenant.tenantId, 't'), revokedRow.id);
    await new Promise((r) => setTimeout(r, 400));

    for (const key of ['vpk_not_a_key', tampered, revoked, expired]) {
      const r = await rest(gw.url, 'GET', '/v1/account', { key });
      expect({ key, status: r.status, code: r.body.error.code }).toEqual({ key, status: 401, code: 'invalid_credentials' });
      const g = await gql(gw.url, ACCOUNT, { key });
      expect(g.body.errors[0].extensions.code).toBe('invalid_credentials');
    }
  });

  it('refuses a suspended tenant with 403 tenant_suspended', async () => {
    await setTenantStatus(gw.prisma, systemActor(tenant.tenantId, 't'), 'suspended');
    const r = await rest(gw.url, 'GET', '/v1/account', { key: tenant.key });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('tenant_suspended');
    const g = await gql(gw.url, ACCOUNT, { key: tenant.key });
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'tenant_suspended', status: 403 });
  });

  it('refuses a key without the scope with 403 forbidden naming the scope, in both APIs', async () => {
    const key = await addKey(gw.prisma, tenant.tenantId, ['calls:read', 'numbers:write']);
    const r = await rest(gw.url, 'GET', '/v1/quota', { key });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect(r.body.error.message).toContain('billing:read');
    const g = await gql(gw.url, '{ quota { concurrentCallCap } }', { key });
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'forbidden', status: 403 });
    expect(g.body.errors[0].message).toContain('billing:read');
  });

  it('answers GET /v1/quota in exactly the spec shape', async () => {
    const r = await rest(gw.url, 'GET', '/v1/quota', { key: tenant.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      daily_spend_cap_cents: 50000,
      concurrent_call_cap: 25,
      countries_allowed: ['US', 'CA'],
      countries_blocked: [],
      prefixes_blocked: [],
      allow_caller_id_forwarding: false,
      auto_recharge: null,
    });
  });

  it('stores keys only as hashes: no row holds the plaintext or its secret', async () => {
    const secret = tenant.key.split('_').slice(2).join('_');
    const rows = await gw.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(k)::text AS row FROM api_keys k`);
    expect(rows.length).toBeGreaterThan(0);
    for (const { row } of rows) {
      expect(row).not.toContain(tenant.key);
      expect(row).not.toContain(secret);
    }
  });

  it('keeps one tenant’s account from another', async () => {
    const other = await createTestTenant(gw.prisma, { name: 'Other Co' });
    const r = await rest(gw.url, 'GET', '/v1/account', { key: other.key });
    expect(r.body.tenant).toEqual({ id: other.tenantId, name: 'Other Co' });
  });
});
