import { EVENT_TYPES } from '../../src/events/event-types';
import { openApiDocument, openApiPath } from '../../rest-compat/openapi';
import { ROUTES } from '../../rest-compat/routes';
import { PORTING_DOCUMENT_HTTP_ROUTES } from '../../rest-compat/porting-documents-http';
import { RECORDING_HTTP_ROUTES } from '../../rest-compat/recordings-http';
import { compileRoutes } from '../../rest-compat/router';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { createGatewayPubSub } from '../../src/platform/pubsub';

// Routes served outside the route table (no GraphQL operation behind them).
const EXTRA_ROUTES = ['get /openapi.json', ...PORTING_DOCUMENT_HTTP_ROUTES, ...RECORDING_HTTP_ROUTES];

describe('the /v1 route table and rest-compat/openapi.yaml', () => {
  it('name exactly the same routes', () => {
    const doc = openApiDocument();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m)).map((m) => `${m} ${path}`),
    );
    const served = [...ROUTES.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`), ...EXTRA_ROUTES];
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('every route’s GraphQL document is valid against the schema', async () => {
    const schema = await buildGatewaySchema(createGatewayPubSub());
    expect(() => compileRoutes(schema, ROUTES)).not.toThrow();
  });
});

describe('the outgoing webhook documentation', () => {
  it('lists exactly the event types voepy emits (add a new type to WebhookEventType in openapi.yaml)', () => {
    const doc = openApiDocument() as unknown as { components: { schemas: Record<string, { enum?: string[] }> } };
    expect([...(doc.components.schemas.WebhookEventType.enum ?? [])].sort()).toEqual(['*', ...EVENT_TYPES].sort());
  });
});
