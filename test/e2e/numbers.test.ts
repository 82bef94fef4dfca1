import { credit, verifyLedger } from '../../src/billing/ledger.service';
import { ServiceDeps } from '../../src/platform/service-deps';
import { FakeCarrier } from '../helpers/fake-carrier';
import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant, servicesOf } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';
import { waitFor } from '../helpers/wait';

describe('phone numbers over /v1 and GraphQL', () => {
  let gw: TestGateway;
  let carrier: FakeCarrier;
  let deps: ServiceDeps;
  let t: TestTenant;

  beforeAll(async () => {
    carrier = new FakeCarrier();
    gw = await startTestGateway({}, { carrier });
    deps = servicesOf(gw);
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    t = await createTestTenant(gw.prisma);
  });

  const fund = (tenantId: string, cents: bigint) => credit(deps, { tenantId, kind: 'adjustment', amountCents: cents, description: 'test funds' });

  it('searches in the spec’s shape, with every filter', async () => {
    const r = await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&number_type=local&national_destination_code=512&locality=Austin&features=voice,sms&limit=2', { key: t.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      data: [
        { phone_number: '+15125550100', country_code: 'US', region: 'TX', locality: 'Austin', number_type: 'local', capabilities: ['voice', 'sms'], pricing: { activation_fee_cents: 100, monthly_fee_cents: 150 } },
        { phone_number: '+15125550101', country_code: 'US', region: 'TX', locality: 'Austin', number_type: 'local', capabilities: ['voice', 'sms'], pricing: { activation_fee_cents: 100, monthly_fee_cents: 150 } },
      ],
      meta: { count: 2 },
    });
    expect((await rest(gw.url, 'GET', '/v1/numbers/available?country_code=DE&number_type=toll_free', { key: t.key })).body.error.code).toBe('no_pricing_tier_configured');
    expect((await rest(gw.url, 'GET', '/v1/numbers/available?country_code=DE&number_type=toll_free', { key: t.key })).status).toBe(422);
    expect((await rest(gw.url, 'GET', '/v1/numbers/available', { key: t.key })).status).toBe(400);
    expect((await rest(gw.url, 'GET', '/v1/numbers/available?country_code=US&features=voice,telepathy', { key: t.key })).status).toBe(400);
  });

  it('reserves, blocks another tenant, lets go; 404 across tenants', async () => {
    const other = await createTestTenant(gw.prisma);
    const r = await rest(gw.url, 'POST', '/v1/number-reservations', { key: t.key, body: { phone_numbers: ['+12125550100'] } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ phone_numbers: ['+12125550100'], status: 'active', released_at: null });
    expect(new Date(r.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 14 * 60 * 1000);
    const blocked = await rest(gw.url, 'POST', '/v1/number-reservations', { key: other.key, body: { phone_numbers: ['+12125550100'] } });
    expect([blocked.status, blocked.body.error.code]).toEqual([400, 'order_invalid']);
    expect((await rest(gw.url, 'GET', `/v1/number-reservations/${r.body.id}`, { key: other.key })).status).toBe(404);
    expect((await rest(gw.url, 'GET', `/v1/number-reservations/${r.body.id}`, { key: t.key })).body.status).toBe('active');
    expect((await rest(gw.url, 'DELETE', `/v1/number-reservations/${r.body.id}`, { key: t.key })).body.status).toBe('released');
    const after = await rest(gw.url, 'POST', '/v1/number-reservations', { key: other.key, body: { phone_numbers: ['+12125550100'] } });
    expect(after.status).toBe(201);
    await rest(gw.url, 'DELETE', `/v1/number-reservations/${after.body.id}`, { key: other.key });
  });

  it('orders with an Idempotency-Key (a retry replays: same numbers, one debit), activates, and both APIs agree', async () => {
    await fund(t.tenantId, 1_000n);
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    const sub = collect<{ data: { numberStatusChanged: { e164: string; status: string } } }>(client, 'subscription { numberStatusChanged { e164 status } }', 1);
    await gw.untilSubscribed('NUMBER_STATUS_CHANGED', t.tenantId);
    const body = { phone_numbers: ['+15125550102'], country_code: 'US', number_type: 'local' };
    const headers = { 'Idempotency-Key': 'order-e2e-1' };
    const first = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body, headers });
    expect(first.status).toBe(201);
    expect(first.body).toEqual([
      {
        id: expect.any(String), e164: '+15125550102', country_code: 'US', number_type: 'local', capabilities: ['voice'], status: 'pending',
        monthly_price_cents_customer: 150, activation_price_cents_customer: 100, connection_id: null, ordered_at: expect.any(String), activated_at: null, released_at: null,
      },
    ]);
    const again = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const debits = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'number_activation' } });
    expect(debits.map((d) => d.amountCents)).toEqual([-100n]);

    await waitFor(async () => carrier.orders.some((o) => o.phoneNumbers.includes('+15125550102')));
    await carrier.settle('+15125550102');
    expect((await sub.done)[0].data.numberStatusChanged).toEqual({ e164: '+15125550102', status: 'active' });
    await client.dispose();

    const id = first.body[0].id;
    const viaRest = await rest(gw.url, 'GET', `/v1/numbers/${id}`, { key: t.key });
    expect(viaRest.body).toMatchObject({ id, status: 'active', failure_reason: null, inbound_call_screening: 'disabled' });
    const viaGql = await gql(gw.url, `query($id: ID!) { phoneNumber(id: $id) { id e164 status activatedAt monthlyPriceCentsCustomer } }`, { key: t.key, variables: { id } });
    expect(viaGql.body.data.phoneNumber).toEqual({ id, e164: '+15125550102', status: 'active', activatedAt: viaRest.body.activated_at, monthlyPriceCentsCustomer: 150 });
    const list = await rest(gw.url, 'GET', '/v1/numbers?status=active&limit=10', { key: t.key });
    expect(list.body).toEqual({ data: [viaRest.body], meta: { next_cursor: null } });
    const gqlList = await gql(gw.url, '{ phoneNumbers(status: active) { nodes { id } pageInfo { hasNextPage } } }', { key: t.key });
    expect(gqlList.body.data.phoneNumbers).toEqual({ nodes: [{ id }], pageInfo: { hasNextPage: false } });
    expect((await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'number_monthly' } })).length).toBe(1);
    expect(await verifyLedger(gw.prisma)).toEqual([]);

    // Another tenant, an unknown id and a malformed one all answer number_not_found.
    const other = await createTestTenant(gw.prisma);
    for (const path of [`/v1/numbers/${id}`, '/v1/numbers/00000000-0000-4000-8000-000000000000', '/v1/numbers/nope']) {
      const r = await rest(gw.url, 'GET', path, { key: path.endsWith(id) ? other.key : t.key });
      expect([r.status, r.body.error.code]).toEqual([404, 'number_not_found']);
    }
    expect((await rest(gw.url, 'GET', '/v1/numbers', { key: other.key })).body.data).toEqual([]);
  });

  it('numberStatusChanged: the outbox event’s id, type and per-number sequence, the same eventRecorded carries', async () => {
    await fund(t.tenantId, 1_000n);
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    try {
      const changes = collect<{ data: { numberStatusChanged: { id: string; status: string; eventId: string; eventType: string; sequence: number; occurredAt: string; committedAt: string } } }>(
        client,
        'subscription { numberStatusChanged { id status eventId eventType sequence occurredAt committedAt } }',
        2,
      );
      const recorded = collect<{ data: { eventRecorded: { id: string; type: string; sequence: number; resourceId: string } } }>(
        client,
        'subscription { eventRecorded(types: ["number_order.completed", "phone_number.released"]) { id type sequence resourceId } }',
        2,
      );
      await Promise.all([gw.untilSubscribed('NUMBER_STATUS_CHANGED', t.tenantId), gw.untilSubscribed('EVENT_RECORDED', t.tenantId)]);
      const before = Date.now();
      const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+15125550103'], country_code: 'US', number_type: 'local' } });
      expect(order.status).toBe(201);
      const id = order.body[0].id;
      await waitFor(async () => carrier.orders.some((o) => o.phoneNumbers.includes('+15125550103')));
      await carrier.settle('+15125550103');
      // The release only once the activation was heard, so both changes reach the subscriber in commit order.
      await waitFor(async () => changes.events.length === 1);
      expect((await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key })).body.status).toBe('released');

      const seen = (await changes.done).map((e) => e.data.numberStatusChanged);
      const events = (await recorded.done).map((e) => e.data.eventRecorded);
      expect(seen.map(({ id: n, status, eventType, sequence }) => ({ n, status, eventType, sequence }))).toEqual([
        { n: id, status: 'active', eventType: 'number_order.completed', sequence: 1 },
        { n: id, status: 'released', eventType: 'phone_number.released', sequence: 2 },
      ]);
      expect(seen.map((c) => [c.eventId, c.sequence])).toEqual(events.map((e) => [e.id, e.sequence]));
      const rows = await gw.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' } });
      expect(seen.map((c) => [c.eventId, c.occurredAt])).toEqual(rows.map((r) => [r.id, r.occurredAt.toISOString()]));
      for (const c of seen) {
        expect(Date.parse(c.committedAt)).toBeGreaterThanOrEqual(before);
        expect(Date.parse(c.committedAt)).toBeLessThanOrEqual(Date.now());
      }
    } finally {
      await client.dispose();
    }
  });

  it('an order the balance cannot cover: 402 balance_insufficient, nothing ordered', async () => {
    await fund(t.tenantId, 50n);
    const r = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+15125550103'], country_code: 'US', number_type: 'local' }, headers: { 'Idempotency-Key': 'poor-1' } });
    expect([r.status, r.body.error.code]).toEqual([402, 'balance_insufficient']);
    expect(await gw.prisma.phoneNumber.count({ where: { tenantId: t.tenantId } })).toBe(0);
    const bad = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+15125550103'], country_code: 'US', number_type: 'landline' } });
    expect(bad.status).toBe(400);
  });

  it('connections: the default one and the list', async () => {
    const def = await rest(gw.url, 'GET', '/v1/connection', { key: t.key });
    expect(def.body).toEqual({ id: expect.any(String), name: 'Default', is_default: true, created_at: expect.any(String) });
    expect((await rest(gw.url, 'GET', '/v1/connections', { key: t.key })).body).toEqual({ data: [def.body] });
  });

  it('a list of numbers with their connection and emergency address resolves in a constant number of SQL statements', async () => {
    const connection = await gw.prisma.connection.findFirstOrThrow({ where: { tenantId: t.tenantId, isDefault: true } });
    const other = await createTestTenant(gw.prisma);
    const foreign = await gw.prisma.connection.findFirstOrThrow({ where: { tenantId: other.tenantId } });
    const address = (i: number) => ({ streetAddress: `${i} Example St`, locality: 'Austin', administrativeArea: 'TX', postalCode: '78701', countryCode: 'US' });
    const addresses = await Promise.all([0, 1, 2].map((i) => gw.prisma.emergencyAddress.create({ data: { tenantId: t.tenantId, ...address(i) } })));
    const foreignAddress = await gw.prisma.emergencyAddress.create({ data: { tenantId: other.tenantId, ...address(9) } });
    const make = (count: number, offset: number) =>
      gw.prisma.phoneNumber.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          tenantId: t.tenantId, e164: `+1555000${String(offset + i).padStart(4, '0')}`, countryCode: 'US', numberType: 'local' as const, status: 'active' as const,
          activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, orderId: '00000000-0000-4000-8000-000000000001',
          connectionId: i === 0 ? foreign.id : connection.id,
          // Every third number has no emergency address; one points at another tenant's.
          emergencyAddressId: i === 1 ? foreignAddress.id : i % 3 === 0 ? null : addresses[i % addresses.length].id,
        })),
      });
    const count = async () => {
      const before = gw.statements.length;
      const r = await gql(gw.url, '{ phoneNumbers(first: 200) { nodes { id emergencyEnabled connection { id isDefault } emergencyAddress { id locality } } } }', { key: t.key });
      expect(r.body.errors).toBeUndefined();
      type Node = { connection: { id: string } | null; emergencyAddress: { id: string; locality: string } | null; emergencyEnabled: boolean };
      return { statements: gw.statements.length - before, nodes: r.body.data.phoneNumbers.nodes as Node[] };
    };
    await make(5, 0);
    const small = await count();
    await make(95, 100);
    const large = await count();
    expect(large.nodes).toHaveLength(100);
    expect(large.statements).toBe(small.statements);
    // Another tenant's connection (impossible through the API) would resolve to null, not leak.
    expect(large.nodes.filter((n) => n.connection === null)).toHaveLength(2);
    expect(large.nodes.filter((n) => n.connection?.id === connection.id)).toHaveLength(98);
    const withAddress = large.nodes.filter((n) => n.emergencyAddress !== null);
    // 100 numbers: i % 3 === 0 has none (34), i === 1 (and 101) point at a foreign address that resolves to null.
    expect(withAddress.length).toBe(100 - 34 - 2);
    expect(withAddress.every((n) => addresses.some((a) => a.id === n.emergencyAddress!.id) && n.emergencyAddress!.locality === 'Austin')).toBe(true);
    expect(large.nodes.filter((n) => n.emergencyEnabled)).toHaveLength(100 - 34);
  });

  it('PATCH changes only the fields sent, with every rule of the spec', async () => {
    await fund(t.tenantId, 1_000n);
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+12125550100'], country_code: 'US', number_type: 'local' } });
    const id = order.body[0].id;
    const patch = (body: unknown, key = t.key) => rest(gw.url, 'PATCH', `/v1/numbers/${id}`, { key, body });
    const pending = await patch({ customer_reference: 'x' });
    expect([pending.status, pending.body.error.code]).toEqual([409, 'number_not_yet_active']);
    await waitFor(async () => carrier.orders.some((o) => o.phoneNumbers.includes('+12125550100')));
    await carrier.settle('+12125550100');

    const def = (await rest(gw.url, 'GET', '/v1/connection', { key: t.key })).body;
    const r = await patch({ customer_reference: 'primary-support-line', cnam_lookup_enabled: true, cnam_display_name: 'Yourco Sales', connection_id: def.id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ customer_reference: 'primary-support-line', cnam_lookup_enabled: true, cnam_display_name: 'Yourco Sales', connection_id: def.id, tech_prefix_enabled: false, inbound_call_screening: 'disabled' });
    const r2 = await patch({ inbound_call_screening: 'flag_calls', tech_prefix_enabled: true });
    expect(r2.body).toMatchObject({ customer_reference: 'primary-support-line', cnam_display_name: 'Yourco Sales', connection_id: def.id, inbound_call_screening: 'flag_calls', tech_prefix_enabled: true });
    expect((await patch({ connection_id: null })).body.connection_id).toBeNull();

    const codes = async (body: unknown, key?: string) => {
      const res = await patch(body, key);
      return [res.status, res.body.error?.code];
    };
    expect(await codes({ customer_reference: 'x'.repeat(121) })).toEqual([400, 'invalid_request']);
    expect(await codes({ cnam_display_name: 'x'.repeat(16) })).toEqual([400, 'invalid_request']);
    expect(await codes({ inbound_call_screening: 'sometimes' })).toEqual([400, 'invalid_request']);
    expect(await codes({ messaging_enabled: true })).toEqual([409, 'messaging_profile_not_provisioned']);
    const other = await createTestTenant(gw.prisma);
    const foreign = (await rest(gw.url, 'GET', '/v1/connection', { key: other.key })).body;
    expect(await codes({ connection_id: foreign.id })).toEqual([400, 'invalid_request']);
    expect(await codes({ customer_reference: 'mine now' }, other.key)).toEqual([404, 'number_not_found']);
    expect((await rest(gw.url, 'GET', `/v1/numbers/${id}`, { key: t.key })).body).toMatchObject({ customer_reference: 'primary-support-line', connection_id: null, messaging_enabled: false });
    const viaGql = await gql(gw.url, 'mutation($id: ID!) { updatePhoneNumber(id: $id, input: { customerReference: "gql" }) { customerReference inboundCallScreening } }', { key: t.key, variables: { id } });
    expect(viaGql.body.data.updatePhoneNumber).toEqual({ customerReference: 'gql', inboundCallScreening: 'flag_calls' });
  });

  it('DELETE releases: the row stays released, the carrier gets it back, no refund, the number is sellable again', async () => {
    await fund(t.tenantId, 1_000n);
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+15125550103'], country_code: 'US', number_type: 'local' } });
    const id = order.body[0].id;
    const early = await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key });
    expect([early.status, early.body.error.code]).toEqual([409, 'number_not_yet_active']);
    await waitFor(async () => carrier.orders.some((o) => o.phoneNumbers.includes('+15125550103')));
    await carrier.settle('+15125550103');
    const other = await createTestTenant(gw.prisma);
    expect((await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: other.key })).status).toBe(404);
    const balanceBefore = (await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).balanceCents;
    const r = await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'released', released_at: expect.any(String) });
    expect((await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key })).body).toEqual(r.body);
    expect((await rest(gw.url, 'GET', `/v1/numbers/${id}`, { key: t.key })).body.status).toBe('released');
    await waitFor(async () => carrier.released.includes('+15125550103'));
    expect((await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).balanceCents).toBe(balanceBefore);
    await fund(other.tenantId, 1_000n);
    const resold = await rest(gw.url, 'POST', '/v1/numbers/order', { key: other.key, body: { phone_numbers: ['+15125550103'], country_code: 'US', number_type: 'local' } });
    expect(resold.status).toBe(201);
  });

  it('creates and renames connections, scoped to the tenant', async () => {
    const created = await rest(gw.url, 'POST', '/v1/connections', { key: t.key, body: { name: 'Brand B' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Brand B', is_default: false });
    const renamed = await rest(gw.url, 'PATCH', `/v1/connections/${created.body.id}`, { key: t.key, body: { name: 'Brand C' } });
    expect(renamed.body).toMatchObject({ id: created.body.id, name: 'Brand C' });
    expect((await rest(gw.url, 'GET', '/v1/connections', { key: t.key })).body.data.map((c: { name: string }) => c.name)).toEqual(['Default', 'Brand C']);
    expect((await rest(gw.url, 'GET', '/v1/connection', { key: t.key })).body.name).toBe('Default');
    const other = await createTestTenant(gw.prisma);
    expect((await rest(gw.url, 'PATCH', `/v1/connections/${created.body.id}`, { key: other.key, body: { name: 'mine' } })).status).toBe(404);
    expect((await rest(gw.url, 'POST', '/v1/connections', { key: t.key, body: { name: ' ' } })).status).toBe(400);
  });
});
