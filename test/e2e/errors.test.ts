import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

describe('error envelope and request hygiene', () => {
  let gw: TestGateway;
  let tenant: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway({ bodyLimitBytes: 4096 });
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    tenant = await createTestTenant(gw.prisma);
  });

  const keyCount = () => gw.prisma.apiKey.count();

  it.each([
    ['broken JSON', { rawBody: '{"name": "x", ', headers: { 'content-type': 'application/json' } }, /not valid JSON/],
    ['a wrong content type', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, /Content-Type/],
    ['a JSON array', { body: [1, 2] }, /JSON object/],
    ['an unknown field', { body: { name: 'x', scopes: ['calls:read'], colour: 'red' } }, /colour/],
    ['a camelCase field', { body: { name: 'x', scopes: ['calls:read'], expiresAt: null } }, /expiresAt/],
    ['a missing required field', { body: { name: 'x' } }, /scopes/],
    ['a wrong type', { body: { name: 42, scopes: ['calls:read'] } }, /name/],
    ['a wrong type in a list', { body: { name: 'x', scopes: [7] } }, /scopes/],
    ['an unknown scope', { body: { name: 'x', scopes: ['calls:dial'] } }, /calls:dial/],
  ])('answers %s with 400 invalid_request naming the problem, and changes nothing', async (_n, opts, message) => {
    const before = await keyCount();
    const r = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, ...opts });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(message) } });
    expect(await keyCount()).toBe(before);
  });

  it('answers an oversized body with a clean 400 envelope', async () => {
    const r = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'x'.repeat(10_000), scopes: ['admin'] } });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid_request', message: expect.stringContaining('4096 bytes') });
  });

  it('answers an unknown /v1 route with 404 not_found', async () => {
    for (const [method, path] of [['GET', '/v1/nothing-here'], ['POST', '/v1/account'], ['DELETE', '/v1/quota']]) {
      const r = await rest(gw.url, method, path, { key: tenant.key });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
  });

  it('answers a malformed id with the resource’s 404, never a database error', async () => {
    const r = await rest(gw.url, 'DELETE', '/v1/api-keys/not-a-uuid', { key: tenant.key });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('gives every response an X-Request-Id, echoing a sane one and replacing an unsafe one', async () => {
    const fresh = await rest(gw.url, 'GET', '/v1/account', { key: tenant.key });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await rest(gw.url, 'GET', '/v1/account', { key: tenant.key, headers: { 'X-Request-Id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await rest(gw.url, 'GET', '/v1/nope', { headers: { 'X-Request-Id': 'x'.repeat(300) } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const g = await gql(gw.url, '{ quota { concurrentCallCap } }', { key: tenant.key, headers: { 'X-Request-Id': 'gql-1' } });
    expect(g.headers.get('x-request-id')).toBe('gql-1');
  });

  it('answers GraphQL syntax, validation and variable errors with invalid_request', async () => {
    const syntax = await gql(gw.url, '{ account { ', { key: tenant.key });
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors[0].extensions).toMatchObject({ code: 'invalid_request', status: 400 });
    const unknownField = await gql(gw.url, '{ account { secretSauce } }', { key: tenant.key });
    expect(unknownField.body.errors[0].extensions.code).toBe('invalid_request');
    const badVariable = await gql(gw.url, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { id } }', { key: tenant.key, variables: { i: { name: 1 } } });
    expect(badVariable.body.errors[0].extensions.code).toBe('invalid_request');
    const brokenJson = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(brokenJson.status).toBe(400);
    expect(((await brokenJson.json()) as any).errors[0].extensions.code).toBe('invalid_request');
  });

  it('answers a NUL character in any string (PostgreSQL text cannot hold one) with 400 invalid_request, changing nothing', async () => {
    const before = await keyCount();
    const restNul = await rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'a\u0000b', scopes: ['calls:read'] } });
    expect([restNul.status, restNul.body.error.code]).toEqual([400, 'invalid_request']);
    const lookup = await rest(gw.url, 'POST', '/v1/billing/subscription', { key: tenant.key, body: { plan_slug: '\u0000' } });
    expect([lookup.status, lookup.body.error.code]).toEqual([400, 'invalid_request']);
    const variable = await gql(gw.url, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { id } }', { key: tenant.key, variables: { i: { name: 'x\u0000', scopes: ['calls:read'] } } });
    expect(variable.body.errors[0].extensions.code).toBe('invalid_request');
    const literal = await gql(gw.url, 'mutation { createApiKey(input: { name: "x\\u0000", scopes: ["calls:read"] }) { id } }', { key: tenant.key });
    expect(literal.body.errors[0].extensions.code).toBe('invalid_request');
    expect(await keyCount()).toBe(before);
  });

  it('never lets a stack trace or SQL reach a client', async () => {
    const responses = await Promise.all([
      rest(gw.url, 'POST', '/v1/api-keys', { key: tenant.key, rawBody: '{', headers: { 'content-type': 'application/json' } }),
      rest(gw.url, 'DELETE', '/v1/api-keys/00000000-0000-0000-0000-000000000000', { key: tenant.key }),
      gql(gw.url, '{ account { nope } }', { key: tenant.key }).then((g) => ({ text: JSON.stringify(g.body) })),
    ]);
    for (const r of responses) {
      expect(r.text).not.toMatch(/at \w+ \(|\.ts:\d+|SELECT |INSERT |prisma|stacktrace/i);
    }
  });
});
