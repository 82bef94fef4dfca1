import { createTestTenant, rest, startTestGateway, TestGateway } from '../helpers/gateway';

describe('operations endpoints', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('/healthz answers alive and /readyz checks the database and migrations', async () => {
    expect((await rest(gw.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await rest(gw.url, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('/metrics counts requests by route pattern (never raw ids) and GraphQL operations by name', async () => {
    const t = await createTestTenant(gw.prisma);
    await rest(gw.url, 'GET', '/v1/account', { key: t.key });
    await rest(gw.url, 'DELETE', '/v1/api-keys/4b0c1a2e-0000-4000-8000-000000000000', { key: t.key });
    await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` },
      body: JSON.stringify({ query: 'query MyQuota { quota { concurrentCallCap } }' }),
    });
    const text = (await rest(gw.url, 'GET', '/metrics')).text;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/v1\/account",status="200"\} [1-9]/);
    expect(text).toMatch(/route="\/v1\/api-keys\/:id",status="404"/);
    expect(text).not.toContain('4b0c1a2e');
    expect(text).toMatch(/graphql_operations_total\{operation="MyQuota",type="query",outcome="ok"\} 1/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).not.toContain(t.key);
  });

  it('serves the OpenAPI document at /v1/openapi.json without a key', async () => {
    const r = await rest(gw.url, 'GET', '/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toContain('/account');
  });
});
