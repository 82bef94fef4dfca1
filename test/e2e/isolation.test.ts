import { randomUUID } from 'node:crypto';
import {
  GraphQLField, GraphQLObjectType, GraphQLSchema, getNamedType, isLeafType, isNonNullType, isObjectType, isScalarType,
} from 'graphql';
import { credit } from '../../src/billing/ledger.service';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { numberCarrierFrom } from '../../src/numbers/carrier-adapter';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { systemClock } from '../../src/platform/clock';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { ROUTES } from '../../rest-compat/routes';
import { toSnake } from '../../rest-compat/route';
import { databaseFingerprint } from '../helpers/database';
import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { rootFields, sampleOperation, sampleValue } from '../helpers/graphql-samples';
import { testWebhookSettings } from '../helpers/webhook-receiver';

// Tenant isolation, generated from the route table and the schema: tenant A owns one of every kind of resource;
// tenant B, using any of A's ids on any route or operation that takes an id, gets exactly what an unknown id
// gets, changes nothing, and no list or query of B's ever shows one of A's ids. A new route or operation is
// covered without a case being written for it.

// Tables written by background work (activation, webhook delivery, Stripe's events), not by B's requests.
// Hundreds of requests per test (every route or operation × every kind of id).
const PROBE_TIMEOUT_MS = 180_000;
const BACKGROUND_TABLES = ['stripe_events', 'webhook_deliveries', 'webhook_delivery_attempts', 'webhook_fanouts', 'events', 'event_sequences', 'phone_numbers', 'ledger_entries', 'tenants'];

describe('tenant isolation, everywhere', () => {
  let gw: TestGateway;
  let carrier: CarrierSimulator;
  let schema: GraphQLSchema;
  let a: TestTenant;
  let b: TestTenant;
  /** Every id tenant A owns, by kind. */
  const owned = new Map<string, string>();

  beforeAll(async () => {
    carrier = createCarrierSimulator({ seed: 'isolation', timeScale: 0.005, activationFailureRate: 0 });
    gw = await startTestGateway({ rateLimitPoints: 1_000_000, webhooks: testWebhookSettings({ allowPrivateTargets: true }), jobPollIntervalMs: 100 }, { carrier: numberCarrierFrom(carrier), callCarrier: callCarrierFrom(carrier) });
    schema = await buildGatewaySchema(createGatewayPubSub());
    a = await createTestTenant(gw.prisma, { name: 'Tenant A' });
    b = await createTestTenant(gw.prisma, { name: 'Tenant B' });
    await credit({ db: gw.prisma, pubSub: gw.pubSub, clock: systemClock }, { tenantId: a.tenantId, kind: 'adjustment', amountCents: 100_000n, description: 'isolation test funds' });
    await ownEveryKind();
  }, 60_000);
  afterAll(async () => {
    await gw.close();
    carrier.close();
  });

  const asA = (method: string, path: string, body?: unknown) => rest(gw.url, method, `/v1${path}`, { key: a.key, body });
  const created = async (kind: string, r: Awaited<ReturnType<typeof asA>>) => {
    const id = Array.isArray(r.body) ? r.body[0]?.id : r.body?.id;
    if (r.status >= 300 || typeof id !== 'string') throw new Error(`could not create tenant A's ${kind}: ${r.status} ${r.text.slice(0, 300)}`);
    owned.set(kind, id);
    return r.body;
  };

  /** One of every kind of resource for A, made through the API as a user would. */
  async function ownEveryKind() {
    // First, so the events of what follows are delivered (to a closed port: the attempts fail and are logged).
    await created('webhook_subscription', await asA('POST', '/webhooks', { url: 'https://127.0.0.1:9/hook', event_types: ['*'] }));
    await created('api_key', await asA('POST', '/api-keys', { name: 'iso', scopes: ['numbers:read'] }));
    const connection = await created('connection', await asA('POST', '/connections', { name: 'iso' }));
    const available = (await asA('GET', '/numbers/available?country_code=US&number_type=local&limit=3')).body.data as { phone_number: string }[];
    await created('number_reservation', await asA('POST', '/number-reservations', { phone_numbers: [available[0].phone_number] }));
    const [number] = await created('phone_number', await asA('POST', '/numbers/order', { phone_numbers: [available[1].phone_number], country_code: 'US', number_type: 'local' }));
    await created('emergency_address', await asA('POST', '/emergency-addresses', { street_address: '1 Example St', locality: 'Austin', administrative_area: 'TX', postal_code: '78701', country_code: 'US' }));
    // Wait for the number to be active (and its events to have produced a delivery), then let it settle.
    for (let i = 0; i < 200; i++) {
      const deliveries = (await asA('GET', '/webhook-deliveries')).body?.data ?? [];
      const active = (await asA('GET', `/numbers/${number.id}`)).body?.status === 'active';
      if (active && deliveries.length) {
        owned.set('webhook_delivery', deliveries[0].id);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await asA('PATCH', `/numbers/${number.id}`, { connection_id: connection.id });
    // A call from that number to a busy destination: it ends (busy, hold released) in a few simulated seconds.
    const call = await created('call', await asA('POST', '/calls', { from: number.e164, to: '+15125550486' }));
    for (let i = 0; i < 200 && !(await asA('GET', `/calls/${call.id}`)).body?.ended_at; i++) await new Promise((r) => setTimeout(r, 50));
    // A conference kept open, with a participant whose call then hung up (so nothing moves while B probes).
    const conference = await created('conference', await asA('POST', '/conferences', { end_when_empty: false }));
    carrier.controls.scriptNextCall('+15125550491', { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
    const talking = await asA('POST', '/calls', { from: number.e164, to: '+15125550491' });
    for (let i = 0; i < 200 && (await asA('GET', `/calls/${talking.body.id}`)).body?.status !== 'answered'; i++) await new Promise((r) => setTimeout(r, 50));
    await created('conference_participant', await asA('POST', `/conferences/${conference.id}/participants`, { call_id: talking.body.id }));
    await asA('POST', `/calls/${talking.body.id}/actions/hangup`);
    // An inbound call to that number, rejected by A so nothing of it changes while B probes.
    const inbound = await created('inbound_call', await asA('POST', '/test-helpers/inbound-calls', { from: '+14155550123', to: number.e164, ring_timeout_secs: 600 }));
    await asA('POST', `/calls/${inbound.id}/actions/reject`);
    // No more delivery attempts in the background while B probes.
    await asA('PATCH', `/webhooks/${owned.get('webhook_subscription')}`, { enabled: false });
    owned.set('payment', await paymentOf(a.tenantId));
  }

  async function paymentOf(tenantId: string): Promise<string> {
    // A payment row as a settled top-up leaves it; its Stripe side is not what this test is about.
    const p = await gw.prisma.payment.create({ data: { tenantId, amountCents: 1_000n, status: 'succeeded', purpose: 'top_up', stripePaymentIntentId: `pi_iso_${randomUUID()}` } });
    return p.id;
  }

  const ids = () => [...owned.values()];
  const shapeOf = (r: { status: number; body: any }) => `${r.status} ${r.body?.error?.code ?? ''}`;

  it('tenant A owns one of every kind (the fixture itself)', () => {
    expect([...owned.keys()].sort()).toEqual(['api_key', 'call', 'conference', 'conference_participant', 'connection', 'emergency_address', 'inbound_call', 'number_reservation', 'payment', 'phone_number', 'webhook_delivery', 'webhook_subscription'].sort());
  });

  it('REST: on every route taking an id, B using any of A’s ids gets what an unknown id gets, and changes nothing', async () => {
    const wrong: string[] = [];
    const before = await databaseFingerprint(gw.prisma, BACKGROUND_TABLES);
    for (const route of ROUTES.filter((r) => r.path.includes('/:'))) {
      const bodyType = route.bodyInput ? schema.getType(route.bodyInput) : undefined;
      const body = bodyType && 'getFields' in bodyType ? toSnake(sampleValue(bodyType as never)) : route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const at = (id: string) => `${route.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'pm_id' && !id.startsWith('pm_') ? `pm_${id}` : id))}`;
      const unknown = await rest(gw.url, route.method, `/v1${at(randomUUID())}`, { key: b.key, body });
      if (unknown.status !== 404) wrong.push(`${route.method} ${route.path}: an unknown id answers ${shapeOf(unknown)}, not 404 (give the route a body that reaches the lookup)`);
      for (const [kind, id] of owned) {
        const foreign = await rest(gw.url, route.method, `/v1${at(id)}`, { key: b.key, body });
        if (shapeOf(foreign) !== shapeOf(unknown)) wrong.push(`${route.method} ${route.path} with A's ${kind}: ${shapeOf(foreign)} where an unknown id gets ${shapeOf(unknown)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await databaseFingerprint(gw.prisma, BACKGROUND_TABLES)).toBe(before);
  }, PROBE_TIMEOUT_MS);

  it('REST: no list or read of B’s shows any of A’s ids', async () => {
    const leaks: string[] = [];
    for (const route of ROUTES.filter((r) => r.method === 'GET' && !r.path.includes('/:'))) {
      const r = await rest(gw.url, 'GET', `/v1${route.path}`, { key: b.key });
      for (const [kind, id] of owned) if (r.text.includes(id)) leaks.push(`GET ${route.path} shows A's ${kind}`);
    }
    // The lists do answer (so the check above looked at real data): A sees its own.
    expect((await asA('GET', '/numbers')).text).toContain(owned.get('phone_number'));
    expect(leaks).toEqual([]);
  }, PROBE_TIMEOUT_MS);

  it('GraphQL: every query and mutation taking an id treats A’s ids as unknown for B, and no query of B’s shows A’s ids', async () => {
    const wrong: string[] = [];
    for (const root of ['Query', 'Mutation'] as const) {
      for (const field of rootFields(schema, root)) {
        const idArgs = field.args.filter((arg) => isScalarType(getNamedType(arg.type)) && getNamedType(arg.type).name === 'ID');
        const sample = sampleOperation(root, field);
        const query = sample.query.replace('{ __typename }', `{ ${selection(getNamedType(field.type) as GraphQLObjectType, 2)} }`);
        if (idArgs.length === 0) {
          if (root === 'Query') {
            const r = await gql(gw.url, query, { key: b.key, variables: sample.variables });
            for (const [kind, id] of owned) if (JSON.stringify(r.body).includes(id)) wrong.push(`${field.name} shows A's ${kind}`);
          }
          continue;
        }
        for (const arg of idArgs) {
          const unknown = await gql(gw.url, query, { key: b.key, variables: { ...sample.variables, [arg.name]: randomUUID() } });
          for (const [kind, id] of owned) {
            const foreign = await gql(gw.url, query, { key: b.key, variables: { ...sample.variables, [arg.name]: id } });
            const same = JSON.stringify(outcome(foreign.body)) === JSON.stringify(outcome(unknown.body));
            if (!same) wrong.push(`${root}.${field.name}(${arg.name}: A's ${kind}): ${JSON.stringify(outcome(foreign.body))} where an unknown id gets ${JSON.stringify(outcome(unknown.body))}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  }, PROBE_TIMEOUT_MS);
});

/** What an answer tells: its error code, or its data. */
function outcome(body: any): unknown {
  return body?.errors?.length ? { code: body.errors[0].extensions?.code } : body?.data;
}

/** Every argument-free field, two levels deep: enough to show an id if one leaks. */
function selection(type: GraphQLObjectType, depth: number): string {
  if (!isObjectType(type)) return '__typename';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (depth > 0 && isObjectType(named)) parts.push(`${field.name} { ${selection(named, depth - 1)} }`);
  }
  return parts.join(' ');
}

