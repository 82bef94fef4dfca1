import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLInputObjectType, GraphQLSchema, isInputObjectType, isNonNullType } from 'graphql';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { numberCarrierFrom } from '../../src/numbers/carrier-adapter';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { ROUTES } from '../../rest-compat/routes';
import { openApiDocument, openApiPath } from '../../rest-compat/openapi';
import { snakeCase, toSnake } from '../../rest-compat/route';
import { createTestTenant, gql, rest, startTestGateway, TestGateway } from '../helpers/gateway';
import { rootFields, sampleOperation, sampleValue } from '../helpers/graphql-samples';
import { databaseFingerprint } from '../helpers/database';

// A property-based walk of every /v1 route (from the route table and the OpenAPI document) and every GraphQL
// query and mutation (from the schema), with broken input: wrong types, missing and extra fields, huge strings
// and numbers, negative and fractional cents, bad ids, broken JSON, wrong content types. Whatever comes in, the
// answer is never a 5xx, an error always has the envelope and its code, and a refused write changes nothing.
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// Stripe's own events reach /webhooks/stripe asynchronously, after an earlier successful request: their
// receipts are not a change made by the request under test.
const ASYNC_TABLES = ['stripe_events'];

const SDL = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
const OPERATIONS = (['Query', 'Mutation'] as const).flatMap((root) =>
  rootFields(SDL, root)
    .filter((f) => f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
    .map((f) => [`${root}.${f.name}`, root, f.name] as const),
);

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ minLength: 5_000, maxLength: 20_000 }),
  fc.constantFrom(-1, -100, 0.5, 1e308, -1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, '', ' ', '+1', '+999999999999999999', 'null', '../../etc/passwd', '\u0000', '😀'.repeat(50), '00000000-0000-0000-0000-000000000000', [], {}, true, null),
);

/** A valid-looking body with one thing wrong: a field removed, retyped, replaced by a hostile value, or an extra one. */
function brokenBody(type: GraphQLInputObjectType | undefined): fc.Arbitrary<unknown> {
  if (!type) return fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostile);
  const base = toSnake(sampleValue(type)) as Record<string, unknown>;
  const fields = Object.keys(type.getFields()).map(snakeCase);
  return fc.oneof(
    hostile,
    fc.record({ field: fc.constantFrom(...fields), value: hostile }).map(({ field, value }) => ({ ...base, [field]: value })),
    fc.constantFrom(...(Object.keys(base).length ? Object.keys(base) : ['x'])).map((drop) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== drop))),
    fc.record({ extra: fc.string({ minLength: 1, maxLength: 20 }), value: hostile }).map(({ extra, value }) => ({ ...base, [`zz_${extra}`]: value })),
  );
}


const pathParam = fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 40 }), fc.string({ minLength: 2_000, maxLength: 4_000 }), fc.constantFrom('0', '-1', 'null', '%', '..', '00000000-0000-0000-0000-00000000000g'));

describe('bad input, everywhere', () => {
  let gw: TestGateway;
  let schema: GraphQLSchema;
  let key: string;
  let carrier: CarrierSimulator;
  const openApi = openApiDocument();

  beforeAll(async () => {
    // With the carrier a running gateway has (the simulator), so every route runs its real path.
    carrier = createCarrierSimulator({ seed: 'bad-input', timeScale: 0.01 });
    gw = await startTestGateway({ rateLimitPoints: 1_000_000 }, { carrier: numberCarrierFrom(carrier), callCarrier: callCarrierFrom(carrier) });
    schema = await buildGatewaySchema(createGatewayPubSub());
    key = (await createTestTenant(gw.prisma)).key;
  });
  afterAll(async () => {
    await gw.close();
    carrier.close();
  });

  const problems: string[] = [];
  beforeEach(() => {
    problems.length = 0;
  });
  const check = (where: string, status: number, body: any, before: string, after: string, isWrite: boolean) => {
    if (status >= 500) problems.push(`${where}: ${status} ${JSON.stringify(body)?.slice(0, 200)}`);
    else if (status >= 400 && (typeof body?.error?.code !== 'string' || typeof body?.error?.message !== 'string')) problems.push(`${where}: ${status} without the error envelope`);
    else if (status >= 400 && isWrite && before !== after) problems.push(`${where}: refused with ${status} ${body?.error?.code} but the database changed`);
  };

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('REST %s', async (_name, route) => {
    const bodyType = route.bodyInput ? schema.getType(route.bodyInput) : undefined;
    const queryNames = ((openApi.paths[openApiPath(route.path)]?.[route.method.toLowerCase()] as { parameters?: { name: string; in: string }[] } | undefined)?.parameters ?? [])
      .filter((p) => p.in === 'query')
      .map((p) => p.name);
    const isWrite = route.method !== 'GET';
    await fc.assert(
      fc.asyncProperty(
        pathParam,
        brokenBody(isInputObjectType(bodyType) ? bodyType : undefined),
        fc.dictionary(fc.constantFrom(...(queryNames.length ? queryNames : ['x'])), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('-1', '1e9', 'abc', '2026-13-45', '0', '999999999999999999999'))),
        isWrite ? fc.constantFrom('json', 'broken-json', 'text', 'none') : fc.constant('none'),
        async (param, body, query, encoding) => {
          const path = `/v1${route.path.replace(/:(\w+)/g, () => encodeURIComponent(param))}`;
          const qs = new URLSearchParams(query).toString();
          const opts =
            encoding === 'json' ? { body } : encoding === 'broken-json' ? { rawBody: '{"a": [1, 2', headers: { 'content-type': 'application/json' } } : encoding === 'text' ? { rawBody: 'hello', headers: { 'content-type': 'text/plain' } } : {};
          const before = isWrite ? await databaseFingerprint(gw.prisma, ASYNC_TABLES) : '';
          const r = await rest(gw.url, route.method, `${path}${qs ? `?${qs}` : ''}`, { key, ...opts, headers: { ...(opts as { headers?: Record<string, string> }).headers, 'Idempotency-Key': randomUUID() } });
          const after = isWrite && r.status >= 400 ? await databaseFingerprint(gw.prisma, ASYNC_TABLES) : before;
          check(`${route.method} ${route.path} ${encoding} ${JSON.stringify(body)?.slice(0, 120)} ?${qs.slice(0, 80)}`, r.status, r.body, before, after, isWrite);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(problems).toEqual([]);
  });

  // One test per operation (each with its own time budget), enumerated from the checked-in SDL, which a test
  // keeps identical to the schema the gateway builds.
  it.each(OPERATIONS)('GraphQL %s with broken variables', async (_name, root, fieldName) => {
    const field = rootFields(schema, root).find((f) => f.name === fieldName)!;
    const { query, variables } = sampleOperation(root, field);
    const names = Object.keys(variables);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), hostile, async (name, value) => {
        const before = root === 'Mutation' ? await databaseFingerprint(gw.prisma, ASYNC_TABLES) : '';
        const r = await gql(gw.url, query, { key, variables: { ...variables, [name]: value } });
        const code = r.body?.errors?.[0]?.extensions?.code;
        const where = `${root}.${field.name}(${name}: ${JSON.stringify(value)?.slice(0, 80)})`;
        if (r.status >= 500 || code === 'internal_error') problems.push(`${where}: ${r.status} ${code}`);
        else if (r.body?.errors && typeof code !== 'string') problems.push(`${where}: an error without extensions.code`);
        else if (root === 'Mutation' && r.body?.errors && before !== (await databaseFingerprint(gw.prisma, ASYNC_TABLES))) problems.push(`${where}: refused (${code}) but the database changed`);
      }),
      { numRuns: Math.max(4, Math.floor(RUNS / 2)), endOnFailure: true },
    );
    expect(problems).toEqual([]);
  });
});
