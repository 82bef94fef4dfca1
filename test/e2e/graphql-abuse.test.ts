import WebSocket from 'ws';
import { bearer, createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';

// What a hostile client can send to /graphql, over HTTP and graphql-ws, against the default limits
// (GRAPHQL_MAX_DEPTH/COMPLEXITY/ALIASES/TOKENS, BODY_LIMIT_BYTES) with introspection turned off as in production.
// Every attempt must end in a clear `extensions.code`, never a 500 and never a hang (jest's timeout bounds each).
describe('GraphQL abuse, bounded by the limits', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startTestGateway({ graphqlIntrospection: false });
    key = (await createTestTenant(gw.prisma)).key;
  });
  afterAll(() => gw.close());

  const post = async (body: unknown, raw?: string) => {
    const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body: raw ?? JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as any, text };
  };
  const refused = async (body: unknown, code: string, message?: RegExp, raw?: string) => {
    const r = await post(body, raw);
    expect(r.status).toBe(400);
    expect(r.body.data ?? undefined).toBeUndefined();
    expect(r.body.errors[0].extensions).toMatchObject({ code, status: 400 });
    if (message) expect(r.body.errors[0].message).toMatch(message);
    return r;
  };
  const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

  it('refuses aliases multiplying an expensive field, before anything runs', async () => {
    gw.statements.length = 0;
    // 500 of them do not even parse (more tokens than the limit); 300 parse, and are refused for their aliases.
    await refused({ query: aliases(500, 'calls(first: 100) { nodes { id } }') }, 'invalid_request', /5000 tokens/);
    await refused({ query: aliases(300, 'calls(first: 100) { nodes { id } }') }, 'query_too_complex', /300 aliases, more than the limit of 50/);
    await refused({ query: aliases(200, 'availableNumbers(filter: { countryCode: "US", limit: 100 }) { phoneNumber }') }, 'query_too_complex');
    // Cheap fields too: 500 aliases of one scalar is still 500 resolver calls.
    await refused({ query: `{ quota { ${aliases(500, 'concurrentCallCap').slice(1, -1)} } }` }, 'query_too_complex');
    // A fragment's aliases count once per place it is spread.
    const fragment = `fragment T on Account { ${Array.from({ length: 25 }, (_, i) => `t${i}: tenant { id }`).join(' ')} }`;
    await refused({ query: `{ a: account { ...T } b: account { ...T } } ${fragment}` }, 'query_too_complex', /52 aliases/);
    expect(gw.statements.filter((s) => !/FROM api_keys k JOIN tenants t/.test(s))).toEqual([]);
  });

  it('refuses huge and negative page sizes with invalid_request, without reading a row', async () => {
    for (const first of [100_000, -100_000, 2 ** 31 - 1]) {
      const r = await post({ query: `{ calls(first: ${first}) { nodes { id } } }` });
      expect(r.body.data).toBeNull();
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'invalid_request', field: 'limit' });
    }
    const r = await post({ query: '{ availableNumbers(filter: { countryCode: "US", limit: 100000 }) { phoneNumber } }' });
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'invalid_request', field: 'limit' });
    // Past Int's range is a validation error.
    await refused({ query: '{ calls(first: 99999999999) { nodes { id } } }' }, 'invalid_request');
  });

  it('bounds deep nesting: in selections, in arguments, in fragments and in variables', async () => {
    // Whichever comes first, the token limit or the parser's stack: a clear refusal, never a stack overflow's 500.
    await refused({ query: '{ a '.repeat(3000) + '}'.repeat(3000) }, 'invalid_request', /5000 tokens|nested too deeply/);
    await refused({ query: `{ calls(first: ${'['.repeat(2400)}1${']'.repeat(2400)}) { nodes { id } } }` }, 'invalid_request');
    await refused({ query: `{ calls(first: ${'{a:'.repeat(1200)}1${'}'.repeat(1200)}) { nodes { id } } }` }, 'invalid_request');
    // Inline fragments add no depth: 900 of them nested is a valid query that runs; more do not parse.
    const fragments = (n: number) => `{ ${'... on Query { '.repeat(n)} account { tenant { id } } ${'} '.repeat(n)}}`;
    expect((await post({ query: fragments(900) })).body.data.account.tenant.id).toEqual(expect.any(String));
    await refused({ query: fragments(1100) }, 'invalid_request', /5000 tokens|nested too deeply/);
    // Variables nested far beyond the stack (JSON itself allows it).
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = await post(undefined, `{"query":"query($n: Int) { calls(first: $n) { nodes { id } } }","variables":{"n":1,"junk":${deep}}}`);
    expect(r.status).toBe(200);
    expect(r.body.data.calls.nodes).toEqual([]);
    await refused(undefined, 'invalid_request', undefined, `{"query":"query($n: Int) { calls(first: $n) { nodes { id } } }","variables":{"n":${deep}}}`);
  });

  it('takes huge variables without keeping them: refused by type, by rule or by the body limit', async () => {
    const big = 'x'.repeat(900_000);
    const r = await post({ query: 'query($to: String) { calls(to: $to) { nodes { id } } }', variables: { to: big } });
    expect(r.status).toBeLessThan(500);
    expect(JSON.stringify(r.body)).not.toContain(big.slice(0, 1000));
    await refused({ query: 'query($n: Int) { calls(first: $n) { nodes { id } } }', variables: { n: big } }, 'invalid_request');
    const many = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`v${i}`, i]));
    const ok = await post({ query: 'query($n: Int) { calls(first: $n) { nodes { id } } }', variables: { n: 5, ...many } });
    expect(ok.body).toEqual({ data: { calls: { nodes: [] } } });
    await refused({ query: '{ account { tenant { id } } }', variables: { x: 'y'.repeat(1_100_000) } }, 'invalid_request', /exceeds 1048576 bytes/);
  });

  it('refuses a query string beyond the body limit, and one beyond the token limit', async () => {
    await refused({ query: `{ account { tenant { id } } }${' '.repeat(1_100_000)}` }, 'invalid_request', /exceeds 1048576 bytes/);
    await refused({ query: `{ account { tenant { ${'id '.repeat(6000)} } } }` }, 'invalid_request', /Document contains more th.. 5000 tokens/);
  });

  it('with introspection off, refuses __schema and __type with a message saying so; __typename still works', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { name fields { name } } }']) {
      const r = await post({ query });
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/^Introspection is disabled on this server/), extensions: { code: 'invalid_request', status: 400 } });
      expect(r.text).not.toMatch(/Apollo|introspection: true/);
    }
    // Hidden in a fragment, or over GET, the same.
    await refused({ query: '{ ...F } fragment F on Query { __schema { queryType { name } } }' }, 'invalid_request', /Introspection is disabled/);
    const get = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ __schema { types { name } } }')}`, { headers: { ...bearer(key), 'apollo-require-preflight': 'true' } });
    expect(((await get.json()) as any).errors[0].message).toMatch(/Introspection is disabled/);
    expect((await post({ query: '{ __typename account { __typename } }' })).body.data).toEqual({ __typename: 'Query', account: { __typename: 'Account' } });
  });

  it('the playground still loads, and says why it has no docs', async () => {
    const res = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Introspection is disabled on this server');
  });

  it('never suggests field, type or enum names when introspection is off ("Did you mean …?")', async () => {
    const cases = [
      { query: '{ acount { tenant { id } } }' },
      { query: '{ account { tenan { id } } }' },
      { query: '{ calls(status: ACTIV) { nodes { id } } }' },
      { query: '{ calls(frist: 5) { nodes { id } } }' },
      { query: 'query($s: CallStatus) { calls(status: $s) { nodes { id } } }', variables: { s: 'ACTIV' } },
      { query: 'query($f: AvailableNumbersFilter!) { availableNumbers(filter: $f) { phoneNumber } }', variables: { f: { countryCode: 'US', limt: 5 } } },
      { query: '{ account }' },
    ];
    for (const body of cases) {
      const r = await post(body);
      expect(r.body.errors.length).toBeGreaterThan(0);
      expect(r.body.errors[0].extensions.code).toBe('invalid_request');
      expect({ query: body.query, text: r.text }).not.toEqual({ query: body.query, text: expect.stringMatching(/Did you mean|"account"|"tenant"|ACTIVE|"first"|"limit"/) });
    }
  });

  it('refuses batched operations (a JSON array body) with invalid_request, running none of them', async () => {
    gw.statements.length = 0;
    const r = await refused([{ query: '{ account { tenant { id } } }' }, { query: '{ quota { concurrentCallCap } }' }], 'invalid_request', /Batched operations/);
    expect(r.body.errors).toHaveLength(1);
    expect(gw.statements.filter((s) => !/FROM api_keys k JOIN tenants t/.test(s))).toEqual([]);
    await refused(Array.from({ length: 5000 }, () => ({ query: '{ account { tenant { id } } }' })), 'invalid_request', /Batched operations/);
  });

  it('runs one named operation of many, refuses many without operationName, and refuses fragment cycles', async () => {
    const ops = Array.from({ length: 400 }, (_, i) => `query Q${i} { quota { concurrentCallCap } }`).join('\n');
    await refused({ query: ops }, 'invalid_request', /Must provide operation name/);
    expect((await post({ query: ops, operationName: 'Q7' })).body).toEqual({ data: { quota: { concurrentCallCap: 25 } } });
    await refused({ query: '{ account { ...A } } fragment A on Account { tenant { id } ...B } fragment B on Account { ...A }' }, 'invalid_request', /Cannot spread fragment "A" within itself/);
    const chain = Array.from({ length: 300 }, (_, i) => `fragment F${i} on Account { ...F${(i + 1) % 300} }`).join(' ');
    await refused({ query: `{ account { ...F0 } } ${chain}` }, 'invalid_request', /within itself/);
    // No cycle, but each fragment spreads the next twice: 2^40 selections from a few kilobytes.
    const doubling = (leaf: string) =>
      `{ ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ... on Query { ...F${i + 1} } }`).join(' ')} fragment F40 on Query { ${leaf} }`;
    await refused({ query: doubling('quota { concurrentCallCap }') }, 'query_too_complex', /expands to \d+ selections/);
    await refused({ query: doubling('__typename') }, 'query_too_complex', /expands to \d+ selections/);
  });

  it('bounds directive abuse: a thousand repeats is over the token limit, fewer are one validation error each, capped', async () => {
    await refused({ query: `{ account { tenant { id ${'@include(if: true) '.repeat(1000)} } } }` }, 'invalid_request', /tokens/);
    const r = await refused({ query: `{ account { tenant { id ${'@include(if: true) '.repeat(600)} } } }` }, 'invalid_request', /can only be used once/);
    expect(r.body.errors.length).toBeLessThanOrEqual(101);
    await refused({ query: `{ account { tenant { id @nope ${'@skip(if: false) '.repeat(10)} } } }` }, 'invalid_request');
  });

  it('refuses a field repeated thousands of times (the overlapping-fields check would be quadratic)', async () => {
    // graphql-js stops validating once its work budget is spent.
    await refused({ query: `{ account { tenant { ${'id '.repeat(2400)} } } }` }, 'invalid_request', /Validation aborted/);
    expect((await post({ query: `{ account { tenant { ${'id '.repeat(200)} } } }` })).body.data.account.tenant.id).toEqual(expect.any(String));
    await refused({ query: `{ account { tenant { ${'x: id '.repeat(200)} } } }` }, 'query_too_complex', /aliases/);
  });
});

describe('GraphQL abuse over graphql-ws: the same limits, the same codes', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startTestGateway({ graphqlIntrospection: false, graphqlMaxDepth: 3, bodyLimitBytes: 64 * 1024 });
    key = (await createTestTenant(gw.prisma)).key;
  });
  afterAll(() => gw.close());

  const errorsOf = async (query: string) => {
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${key}` });
    try {
      return await collect<any>(client, query, 1).done.then(
        (results) => results[0].errors,
        (err) => err,
      );
    } finally {
      await client.dispose();
    }
  };
  const expectRefused = async (query: string, code: string, message?: RegExp) => {
    const errors = await errorsOf(query);
    expect(Array.isArray(errors)).toBe(true);
    expect(errors[0].extensions).toEqual({ code, status: 400 });
    if (message) expect(errors[0].message).toMatch(message);
    return errors;
  };
  const BALANCE = (inner: string) => `subscription { balanceChanged { ${inner} } }`;

  it('refuses a subscription over the alias, depth and token limits', async () => {
    await expectRefused(BALANCE(Array.from({ length: 60 }, (_, i) => `t${i}: tenant { id }`).join(' ')), 'query_too_complex', /60 aliases/);
    await expectRefused('subscription { callStatusChanged { call { phoneNumber { connection { id } } } } }', 'query_too_deep');
    await expectRefused(BALANCE(`tenant { ${'id '.repeat(6000)} }`), 'invalid_request', /tokens/);
    await expectRefused(BALANCE(`tenant { id ${'@include(if: true) '.repeat(600)} }`), 'invalid_request', /can only be used once/);
  });

  it('formats syntax and validation errors like HTTP, without suggestions, and refuses introspection', async () => {
    await expectRefused('subscription { balanceChanged { tenant { id }', 'invalid_request', /Syntax Error/);
    const errors = await expectRefused(BALANCE('tenan { id }'), 'invalid_request');
    expect(JSON.stringify(errors)).not.toMatch(/Did you mean|"tenant"/);
    await expectRefused('{ __schema { types { name } } }', 'invalid_request', /Introspection is disabled/);
    await expectRefused('{ __type(name: "Call") { name } }', 'invalid_request', /Introspection is disabled/);
  });

  it('closes a socket sent a message over the body limit (1009) without reading it', async () => {
    const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${key}`, pad: 'x'.repeat(100 * 1024) } }));
    expect(await closed).toBe(1009);
  });
});
