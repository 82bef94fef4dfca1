import { GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { rootFieldScopes } from '../../src/graphql/field-scopes';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { Scope, SCOPES } from '../../src/platform/auth/scopes';
import { ROUTES } from '../../rest-compat/routes';
import { compileRoutes } from '../../rest-compat/router';
import { addKey, createTestTenant, gql, rest, startTestGateway, TestGateway } from '../helpers/gateway';
import { rootFields, sampleOperation } from '../helpers/graphql-samples';

// Generated from the schema and the route table: every operation and every /v1 route requires its scope, so a
// new one is covered without a test being written for it. A key holding every scope but the one needed
// (and not `admin`, which holds them all) is refused with 403 forbidden; no key at all is 401.
describe('every operation and route requires its scope', () => {
  let gw: TestGateway;
  let schema: GraphQLSchema;
  let scopes: Map<string, Scope[]>;
  let tenantId: string;
  const keysWithout = new Map<Scope, string>();

  beforeAll(async () => {
    gw = await startTestGateway();
    schema = await buildGatewaySchema(createGatewayPubSub());
    scopes = rootFieldScopes();
    tenantId = (await createTestTenant(gw.prisma)).tenantId;
    for (const scope of SCOPES) keysWithout.set(scope, await addKey(gw.prisma, tenantId, SCOPES.filter((s) => s !== scope && s !== 'admin')));
  });
  afterAll(() => gw.close());

  it('every query, mutation and subscription declares the scopes it needs', () => {
    const undeclared = (['Query', 'Mutation', 'Subscription'] as const).flatMap((root) => {
      const type = root === 'Query' ? schema.getQueryType() : root === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      return Object.keys(type?.getFields() ?? {}).filter((name) => !scopes.get(`${root}.${name}`)?.length).map((name) => `${root}.${name}`);
    });
    expect(undeclared).toEqual([]);
  });

  it('GraphQL: each query and mutation is refused with forbidden without its scope', async () => {
    const wrong: string[] = [];
    for (const root of ['Query', 'Mutation'] as const) {
      for (const field of rootFields(schema, root)) {
        const { query, variables } = sampleOperation(root, field);
        for (const scope of scopes.get(`${root}.${field.name}`) ?? []) {
          const r = await gql(gw.url, query, { key: keysWithout.get(scope)!, variables });
          const code = r.body.errors?.[0]?.extensions?.code;
          if (code !== 'forbidden') wrong.push(`${root}.${field.name} without ${scope}: ${code ?? 'no error'}`);
        }
        const anonymous = await gql(gw.url, query, { variables });
        if (anonymous.body.errors?.[0]?.extensions?.code !== 'authentication_required') wrong.push(`${root}.${field.name} without a key: ${JSON.stringify(anonymous.body.errors?.[0]?.extensions)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('REST: each /v1 route answers 403 forbidden without its scope, before reading the request, and 401 without a key', async () => {
    const wrong: string[] = [];
    const fieldScopes = rootFieldScopes();
    for (const compiled of compileRoutes(schema, ROUTES)) {
      const { route } = compiled;
      const path = `/v1${route.path.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000')}`;
      expect(compiled.scopes.length).toBeGreaterThan(0);
      for (const scope of compiled.scopes) {
        // No body, no query parameters: the scope is checked first, so what is missing does not matter.
        const r = await rest(gw.url, route.method, path, { key: keysWithout.get(scope)! });
        if (r.status !== 403 || r.body?.error?.code !== 'forbidden') wrong.push(`${route.method} ${route.path} without ${scope}: ${r.status} ${r.body?.error?.code}`);
      }
      const anonymous = await rest(gw.url, route.method, path);
      if (anonymous.status !== 401) wrong.push(`${route.method} ${route.path} without a key: ${anonymous.status}`);
    }
    expect(fieldScopes.size).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });
});
