import { credit } from '../../src/billing/ledger.service';
import { createTestTenant, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// Plain successful queries skip Apollo's pipeline (src/graphql/fast-query.ts). A body with `extensions` always
// goes through Apollo, so sending each request both ways shows the fast path answers exactly as Apollo does,
// for what it serves itself and for everything it hands back.

let gw: TestGateway;
let t: TestTenant;
let numberId: string;

beforeAll(async () => {
  gw = await startTestGateway({ graphqlIntrospection: false, graphqlMaxDepth: 4 });
  t = await createTestTenant(gw.prisma);
  await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1_234n, description: 'test funding' });
  numberId = (
    await gw.prisma.phoneNumber.create({
      data: { tenantId: t.tenantId, e164: '+15125550100', countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
    })
  ).id;
});

afterAll(async () => {
  await gw.close();
});

async function post(body: unknown) {
  const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

const ACCOUNT = '{ account { tenant { id name status } balance { amountCents currency creditLimitCents heldCents availableCents } } }';
const NUMBER = 'query N($id: ID!) { phoneNumber(id: $id) { id e164 status } }';

describe('plain queries without Apollo’s pipeline', () => {
  const cases: [string, () => Record<string, unknown>][] = [
    ['account', () => ({ query: ACCOUNT })],
    ['a query with variables', () => ({ query: NUMBER, variables: { id: numberId } })],
    ['a named operation among two', () => ({ query: `${NUMBER} query A { account { tenant { id } } }`, operationName: 'A' })],
    ['two operations and no name', () => ({ query: `${NUMBER} query A { account { tenant { id } } }` })],
    ['an unknown number (a resolver error)', () => ({ query: NUMBER, variables: { id: '00000000-0000-4000-8000-00000000beef' } })],
    ['a variable of the wrong type', () => ({ query: NUMBER, variables: { id: 12 } })],
    ['a missing variable', () => ({ query: NUMBER })],
    ['an unknown field', () => ({ query: '{ account { nope } }' })],
    ['a syntax error', () => ({ query: '{ account { ' })],
    ['introspection, refused here', () => ({ query: '{ __schema { queryType { name } } }' })],
    ['a query over the depth limit', () => ({ query: '{ calls { edges { node { phoneNumber { connection { id } } } } } }' })],
    ['variables that are not an object', () => ({ query: ACCOUNT, variables: [1] })],
  ];
  it.each(cases)('%s: the same answer as through Apollo', async (_name, body) => {
    const fast = await post(body());
    const apollo = await post({ ...body(), extensions: {} });
    expect(fast).toEqual(apollo);
  });

  it('a query sent again and again (compiled from its second run) answers as Apollo every time', async () => {
    const body = { query: `${NUMBER} query A { account { tenant { id name } balance { amountCents } } }`, operationName: 'N', variables: { id: numberId } };
    const apollo = await post({ ...body, extensions: {} });
    expect(apollo.body.data.phoneNumber.id).toBe(numberId);
    for (let i = 0; i < 4; i++) expect(await post(body)).toEqual(apollo);
    for (let i = 0; i < 2; i++) expect(await post({ ...body, operationName: 'A' })).toEqual(await post({ ...body, operationName: 'A', extensions: {} }));
  });

  it('serves account from the key check’s own read: one SQL statement in all, against two through Apollo', async () => {
    const statementsOf = async (body: unknown) => {
      const before = gw.statements.length;
      const answer = await post(body);
      expect(answer.body.errors).toBeUndefined();
      return { statements: gw.statements.length - before, answer };
    };
    const fast = await statementsOf({ query: ACCOUNT });
    const apollo = await statementsOf({ query: ACCOUNT, extensions: {} });
    expect([fast.statements, apollo.statements]).toEqual([1, 2]);
    expect(fast.answer.body.data.account.balance).toMatchObject({ amountCents: 1234, availableCents: 1234 });
  });

  it('GET /v1/account, a query too, answers from the same read: one SQL statement', async () => {
    const before = gw.statements.length;
    const res = await fetch(`${gw.url}/v1/account`, { headers: { authorization: `Bearer ${t.key}` } });
    expect(res.status).toBe(200);
    expect(gw.statements.length - before).toBe(1);
  });

  it('a balance changed by another request is seen by the next query', async () => {
    const before = (await post({ query: ACCOUNT })).body.data.account.balance.amountCents;
    await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 100n, description: 'more funding' });
    expect((await post({ query: ACCOUNT })).body.data.account.balance.amountCents).toBe(before + 100);
  });
});

describe('answers’ headers', () => {
  it('a POST answer has its exact Content-Length and no ETag (no client can use one on a POST); a GET answer has an ETag', async () => {
    for (const body of [{ query: ACCOUNT }, { query: ACCOUNT, extensions: {} }, { query: '{ nope }' }]) {
      const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([res.headers.get('etag'), Number(res.headers.get('content-length')), res.headers.get('content-type')]).toEqual([null, bytes.length, 'application/json; charset=utf-8']);
      expect(JSON.parse(bytes.toString('utf8'))).toHaveProperty(body.query === ACCOUNT ? 'data.account.tenant.id' : 'errors');
    }
    const get = await fetch(`${gw.url}/graphql?query=${encodeURIComponent(ACCOUNT)}`, { headers: { authorization: `Bearer ${t.key}`, accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toMatch(/^W\/"/);
    expect((await get.json()) as object).toHaveProperty('data.account.tenant.id', t.tenantId);
  });
});
