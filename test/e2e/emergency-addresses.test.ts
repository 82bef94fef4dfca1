import { credit } from '../../src/billing/ledger.service';
import { ServiceDeps } from '../../src/platform/service-deps';
import { FakeCarrier } from '../helpers/fake-carrier';
import { createTestTenant, gql, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

describe('emergency addresses and emergency endpoints over /v1 and GraphQL', () => {
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

  const austin = { street_address: '1 Example St', extended_address: 'Suite 200', locality: 'Austin', administrative_area: 'TX', postal_code: '78701', country_code: 'US' };

  async function activeNumber(tenant: TestTenant, e164: string, country = 'US', type = 'local'): Promise<string> {
    await credit(deps, { tenantId: tenant.tenantId, kind: 'adjustment', amountCents: 1_000n, description: 'test funds' });
    const order = await rest(gw.url, 'POST', '/v1/numbers/order', { key: tenant.key, body: { phone_numbers: [e164], country_code: country, number_type: type } });
    expect(order.status).toBe(201);
    // The order reaches the carrier after commit.
    for (let i = 0; i < 100 && !carrier.orders.some((o) => o.phoneNumbers.includes(e164)); i++) await new Promise((r) => setTimeout(r, 20));
    await carrier.settle(e164);
    return order.body[0].id;
  }

  it('creates in the spec’s shape, validates every field, lists and gets; 404 not_found across tenants', async () => {
    const created = await rest(gw.url, 'POST', '/v1/emergency-addresses', { key: t.key, body: austin });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), ...austin, created_at: expect.any(String) });
    const canadian = await rest(gw.url, 'POST', '/v1/emergency-addresses', {
      key: t.key,
      body: { street_address: '  100  Queen St W ', locality: 'Toronto', administrative_area: 'on', postal_code: 'm5h2n2', country_code: 'ca' },
    });
    expect(canadian.status).toBe(201);
    expect(canadian.body).toMatchObject({ street_address: '100 Queen St W', extended_address: null, administrative_area: 'ON', postal_code: 'M5H 2N2', country_code: 'CA' });

    const refused = async (body: Record<string, unknown>) => {
      const r = await rest(gw.url, 'POST', '/v1/emergency-addresses', { key: t.key, body });
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
      return r.body.error.message as string;
    };
    expect(await refused({ ...austin, country_code: 'MX' })).toMatch(/country_code/);
    expect(await refused({ ...austin, administrative_area: 'ZZ' })).toMatch(/administrative_area/);
    expect(await refused({ ...austin, administrative_area: 'ON' })).toMatch(/administrative_area/);
    expect(await refused({ ...austin, postal_code: '7870' })).toMatch(/postal_code/);
    expect(await refused({ ...austin, country_code: 'CA', administrative_area: 'ON', postal_code: '78701' })).toMatch(/postal_code/);
    expect(await refused({ ...austin, street_address: '   ' })).toMatch(/street_address/);
    expect(await refused({ ...austin, street_address: 'Example Street' })).toMatch(/street_address/);
    expect(await refused({ ...austin, locality: '' })).toMatch(/locality/);
    const { locality: _l, ...noLocality } = austin;
    expect(await refused(noLocality)).toMatch(/locality/);
    expect(await refused({ ...austin, floor: 3 })).toMatch(/floor/);

    const list = await rest(gw.url, 'GET', '/v1/emergency-addresses?limit=1', { key: t.key });
    expect(list.body.data).toEqual([canadian.body]);
    const rest2 = await rest(gw.url, 'GET', `/v1/emergency-addresses?limit=1&cursor=${list.body.meta.next_cursor}`, { key: t.key });
    expect(rest2.body).toEqual({ data: [created.body], meta: { next_cursor: null } });
    expect((await rest(gw.url, 'GET', `/v1/emergency-addresses/${created.body.id}`, { key: t.key })).body).toEqual(created.body);

    const other = await createTestTenant(gw.prisma);
    for (const [method, path] of [['GET', `/v1/emergency-addresses/${created.body.id}`], ['DELETE', `/v1/emergency-addresses/${created.body.id}`], ['GET', '/v1/emergency-addresses/nope']]) {
      const r = await rest(gw.url, method, path, { key: other.key });
      expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
    }
    expect((await rest(gw.url, 'GET', '/v1/emergency-addresses', { key: other.key })).body.data).toEqual([]);
    expect(await gw.prisma.auditEntry.count({ where: { tenantId: t.tenantId, action: 'emergency_address.created' } })).toBe(2);
  });

  it('attach makes a number emergency-capable; an anchor cannot be released nor its address deleted; detach undoes both', async () => {
    const id = await activeNumber(t, '+15125550100');
    const fresh = await rest(gw.url, 'GET', `/v1/numbers/${id}`, { key: t.key });
    expect(fresh.body).toMatchObject({ emergency_address_id: null, emergency_enabled: false });
    const address = (await rest(gw.url, 'POST', '/v1/emergency-addresses', { key: t.key, body: austin })).body;

    const attached = await rest(gw.url, 'POST', `/v1/numbers/${id}/emergency-endpoint`, { key: t.key, body: { emergency_address_id: address.id } });
    expect(attached.status).toBe(200);
    expect(attached.body).toMatchObject({ id, emergency_address_id: address.id, emergency_enabled: true });
    // Again: nothing changes, nothing more is audited.
    expect((await rest(gw.url, 'POST', `/v1/numbers/${id}/emergency-endpoint`, { key: t.key, body: { emergency_address_id: address.id } })).body).toEqual(attached.body);
    expect(await gw.prisma.auditEntry.count({ where: { tenantId: t.tenantId, action: 'phone_number.emergency_address_attached' } })).toBe(1);

    const release = await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key });
    expect([release.status, release.body.error.code]).toEqual([409, 'release_not_permitted']);
    const del = await rest(gw.url, 'DELETE', `/v1/emergency-addresses/${address.id}`, { key: t.key });
    expect([del.status, del.body.error.code]).toEqual([409, 'conflict']);
    expect(del.body.error.message).toContain('+15125550100');

    const viaGql = await gql(gw.url, 'query($id: ID!) { phoneNumber(id: $id) { emergencyEnabled emergencyAddressId emergencyAddress { locality postalCode } } }', { key: t.key, variables: { id } });
    expect(viaGql.body.data.phoneNumber).toEqual({ emergencyEnabled: true, emergencyAddressId: address.id, emergencyAddress: { locality: 'Austin', postalCode: '78701' } });

    const detached = await rest(gw.url, 'DELETE', `/v1/numbers/${id}/emergency-endpoint`, { key: t.key });
    expect(detached.body).toMatchObject({ id, emergency_address_id: null, emergency_enabled: false });
    expect((await rest(gw.url, 'DELETE', `/v1/numbers/${id}/emergency-endpoint`, { key: t.key })).status).toBe(200);
    expect((await rest(gw.url, 'DELETE', `/v1/emergency-addresses/${address.id}`, { key: t.key })).status).toBe(200);
    expect((await rest(gw.url, 'GET', `/v1/emergency-addresses/${address.id}`, { key: t.key })).status).toBe(404);
    expect((await rest(gw.url, 'DELETE', `/v1/numbers/${id}`, { key: t.key })).body.status).toBe('released');
    const audited = await gw.prisma.auditEntry.findMany({ where: { tenantId: t.tenantId, resourceId: { in: [id, address.id] } }, orderBy: { createdAt: 'asc' }, select: { action: true } });
    expect(audited.map((a) => a.action)).toEqual([
      'emergency_address.created',
      'phone_number.emergency_address_attached',
      'phone_number.emergency_address_detached',
      'emergency_address.deleted',
      'phone_number.released',
    ]);
  });

  it('attach rules: pending, foreign number or address, non-US/CA number', async () => {
    const address = (await rest(gw.url, 'POST', '/v1/emergency-addresses', { key: t.key, body: austin })).body;
    const other = await createTestTenant(gw.prisma);
    const foreignAddress = (await rest(gw.url, 'POST', '/v1/emergency-addresses', { key: other.key, body: austin })).body;
    await credit(deps, { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1_000n, description: 'test funds' });
    const pending = (await rest(gw.url, 'POST', '/v1/numbers/order', { key: t.key, body: { phone_numbers: ['+12125550100'], country_code: 'US', number_type: 'local' } })).body[0].id;
    const attach = (id: string, emergency_address_id: string, key = t.key) => rest(gw.url, 'POST', `/v1/numbers/${id}/emergency-endpoint`, { key, body: { emergency_address_id } });
    const codes = async (p: Promise<{ status: number; body: any }>) => {
      const r = await p;
      return [r.status, r.body.error?.code];
    };
    expect(await codes(attach(pending, address.id))).toEqual([409, 'number_not_yet_active']);
    const active = await activeNumber(t, '+15125550101');
    expect(await codes(attach(active, foreignAddress.id))).toEqual([404, 'not_found']);
    expect(await codes(attach(active, 'nope'))).toEqual([404, 'not_found']);
    expect(await codes(attach(active, address.id, other.key))).toEqual([404, 'number_not_found']);
    expect(await codes(rest(gw.url, 'DELETE', `/v1/numbers/${active}/emergency-endpoint`, { key: other.key }))).toEqual([404, 'number_not_found']);
    expect(await codes(rest(gw.url, 'POST', `/v1/numbers/${active}/emergency-endpoint`, { key: t.key, body: {} }))).toEqual([400, 'invalid_request']);
    const berlin = await activeNumber(t, '+493012345678', 'DE', 'local');
    expect(await codes(attach(berlin, address.id))).toEqual([422, 'unprocessable']);

    // GraphQL: the same rules, the same service.
    const created = await gql(
      gw.url,
      'mutation { createEmergencyAddress(input: { streetAddress: "5 Main St", locality: "Dallas", administrativeArea: "TX", postalCode: "75201", countryCode: "US" }) { id countryCode } }',
      { key: t.key },
    );
    expect(created.body.data.createEmergencyAddress.countryCode).toBe('US');
    const viaGql = await gql(gw.url, 'mutation($n: ID!, $a: ID!) { attachEmergencyAddress(phoneNumberId: $n, input: { emergencyAddressId: $a }) { emergencyEnabled emergencyAddress { locality } } }', {
      key: t.key,
      variables: { n: active, a: created.body.data.createEmergencyAddress.id },
    });
    expect(viaGql.body.data.attachEmergencyAddress).toEqual({ emergencyEnabled: true, emergencyAddress: { locality: 'Dallas' } });
    const list = await gql(gw.url, '{ emergencyAddresses(first: 10) { nodes { locality } pageInfo { hasNextPage } } }', { key: t.key });
    expect(list.body.data.emergencyAddresses).toEqual({ nodes: [{ locality: 'Dallas' }, { locality: 'Austin' }], pageInfo: { hasNextPage: false } });
    const detached = await gql(gw.url, 'mutation($n: ID!) { detachEmergencyAddress(phoneNumberId: $n) { emergencyEnabled } }', { key: t.key, variables: { n: active } });
    expect(detached.body.data.detachEmergencyAddress.emergencyEnabled).toBe(false);
    const deleted = await gql(gw.url, 'mutation($a: ID!) { deleteEmergencyAddress(id: $a) { id } }', { key: t.key, variables: { a: created.body.data.createEmergencyAddress.id } });
    expect(deleted.body.data.deleteEmergencyAddress.id).toBe(created.body.data.createEmergencyAddress.id);
    const gone = await gql(gw.url, 'query($a: ID!) { emergencyAddress(id: $a) { id } }', { key: t.key, variables: { a: created.body.data.createEmergencyAddress.id } });
    expect(gone.body.errors[0].extensions.code).toBe('not_found');
  });
});
