import { credit, verifyLedger } from '../../src/billing/ledger.service';
import { ManualClock } from '../../src/platform/clock';
import { ServiceDeps } from '../../src/platform/service-deps';
import { advancePortingOrders } from '../../src/porting/porting.progress';
import { FakeCarrier } from '../helpers/fake-carrier';
import { createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { PDF, uploadDocument } from '../helpers/porting';
import { collect, wsClient } from '../helpers/ws';

// Friday 2026-11-20, 15:00 UTC: the first business day after it is Monday the 23rd.
const FRIDAY = new Date('2026-11-20T15:00:00.000Z');

describe('porting in over /v1 and GraphQL', () => {
  let gw: TestGateway;
  let carrier: FakeCarrier;
  let clock: ManualClock;
  let jobs: ServiceDeps;
  let t: TestTenant;

  beforeAll(async () => {
    carrier = new FakeCarrier();
    clock = new ManualClock(FRIDAY);
    gw = await startTestGateway({}, { carrier, clock });
    jobs = { db: gw.prisma, pubSub: gw.pubSub, clock, carrier };
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    clock.set(FRIDAY);
    carrier.portability.clear();
    carrier.csrs.clear();
    t = await createTestTenant(gw.prisma);
  });

  const documents = async (tenant: TestTenant) => [
    (await uploadDocument(gw.url, tenant.key, { documentType: 'loa', file: PDF })).body.id as string,
    (await uploadDocument(gw.url, tenant.key, { documentType: 'bill', file: PDF, filename: 'bill.pdf' })).body.id as string,
  ];
  const submit = (tenant: TestTenant, body: Record<string, unknown>) => rest(gw.url, 'POST', '/v1/numbers/porting-orders', { key: tenant.key, body });
  const codes = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    return [r.status, r.body.error?.code];
  };
  const at = async (iso: string) => {
    clock.set(new Date(iso));
    return advancePortingOrders(jobs);
  };

  it('portability check and CSR coverage, in shape, per number', async () => {
    carrier.portability.set('+15125559002', { portable: false, reason: 'porting_not_supported' });
    carrier.portability.set('+15125559003', { fastPortable: true, networkType: 'mobile' });
    // `+` arrives URL-decoded as a space, as the spec's own example sends it.
    const r = await rest(gw.url, 'GET', '/v1/numbers/portability-check?phone_numbers=+15125559001,+15125559002,%2B15125559003', { key: t.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      data: [
        { phone_number: '+15125559001', country_code: 'US', portable: true, reason: null, fast_portable: false, losing_carrier: 'Old Telco', number_type: 'local' },
        { phone_number: '+15125559002', country_code: 'US', portable: false, reason: 'porting_not_supported', fast_portable: false, losing_carrier: 'Old Telco', number_type: null },
        { phone_number: '+15125559003', country_code: 'US', portable: true, reason: null, fast_portable: true, losing_carrier: 'Old Telco', number_type: 'mobile' },
      ],
    });
    expect(await codes(rest(gw.url, 'GET', '/v1/numbers/portability-check', { key: t.key }))).toEqual([400, 'invalid_request']);
    expect(await codes(rest(gw.url, 'GET', '/v1/numbers/portability-check?phone_numbers=5125559001', { key: t.key }))).toEqual([400, 'invalid_request']);

    const csr = await rest(gw.url, 'POST', '/v1/numbers/csr-coverage', { key: t.key, body: { phone_numbers: ['+15125559001', '+15125559002'] } });
    expect(csr.status).toBe(200);
    expect(csr.body).toEqual({
      data: [
        {
          phone_number: '+15125559001', covered: true,
          csr: { account_number: '123456789', entity_name: 'Copperleaf Bakery LLC', street_address: '1842 Juniper Ave', locality: 'Austin', administrative_area: 'TX', postal_code: '78701', country_code: 'US', losing_carrier: 'Old Telco' },
        },
        { phone_number: '+15125559002', covered: false, csr: null },
      ],
    });
    const viaGql = await gql(gw.url, '{ portabilityCheck(phoneNumbers: ["+15125559003"]) { portable fastPortable numberType } }', { key: t.key });
    expect(viaGql.body.data.portabilityCheck).toEqual([{ portable: true, fastPortable: true, numberType: 'mobile' }]);
  });

  it('refuses what a losing carrier would: documents, portability, accounts, CSR fields, a number already being ported', async () => {
    const docs = await documents(t);
    const other = await createTestTenant(gw.prisma);
    const foreignDocs = await documents(other);
    const n = ['+15125559011'];
    expect(await codes(submit(t, { phone_numbers: n }))).toEqual([422, 'documents_required']);
    expect(await codes(submit(t, { phone_numbers: n, documents: [docs[0]] }))).toEqual([422, 'documents_required']);
    expect(await codes(submit(t, { phone_numbers: n, documents: [docs[0], foreignDocs[1]] }))).toEqual([404, 'not_found']);
    carrier.portability.set('+15125559012', { portable: false, reason: 'porting_not_supported' });
    expect(await codes(submit(t, { phone_numbers: [...n, '+15125559012'], documents: docs }))).toEqual([422, 'porting_not_supported']);
    carrier.portability.set('+4930555000', { countryCode: 'DE', networkType: 'toll_free' });
    expect(await codes(submit(t, { phone_numbers: ['+4930555000'], documents: docs }))).toEqual([422, 'no_pricing_tier_configured']);
    carrier.csrs.set('+15125559013', { accountNumber: '987654321' });
    expect(await codes(submit(t, { phone_numbers: [...n, '+15125559013'], documents: docs }))).toEqual([422, 'csr_mismatch']);
    expect(await codes(submit(t, { phone_numbers: n, documents: docs, end_user: { account_number: '111' } }))).toEqual([422, 'csr_mismatch']);
    expect(await codes(submit(t, { phone_numbers: n, documents: docs, end_user: { entity_name: 'Someone Else Inc' } }))).toEqual([422, 'csr_mismatch']);
    expect(await codes(submit(t, { phone_numbers: n, documents: docs, surprise: 1 }))).toEqual([400, 'invalid_request']);
    expect(await gw.prisma.portingOrder.count({ where: { tenantId: t.tenantId } })).toBe(0);

    // Case, spacing and punctuation of CSR fields do not count.
    const ok = await submit(t, { phone_numbers: n, documents: docs, end_user: { entity_name: 'copperleaf bakery, llc', account_number: '123 456 789', postal_code: '78701' } });
    expect(ok.status).toBe(201);
    expect(await codes(submit(other, { phone_numbers: n, documents: foreignDocs }))).toEqual([409, 'porting_in_progress']);
    expect(await codes(submit(t, { phone_numbers: [...n, '+15125559014'], documents: docs }))).toEqual([409, 'porting_in_progress']);
    // Cancelled, the number is free to port again.
    expect((await rest(gw.url, 'POST', `/v1/numbers/porting-orders/${ok.body.id}/cancel`, { key: t.key })).body.status).toBe('cancelled');
    expect((await submit(other, { phone_numbers: n, documents: foreignDocs })).status).toBe(201);
  });

  it('moves over business days, numbers arriving on their FOC dates; events, subscription, billing, release rule', async () => {
    await credit({ db: gw.prisma, pubSub: gw.pubSub, clock }, { tenantId: t.tenantId, kind: 'adjustment', amountCents: 1_000n, description: 'test funds' });
    carrier.portability.set('+15125559021', { fastPortable: true });
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    type OrderChange = { status: string; eventId: string; eventType: string; sequence: number; occurredAt: string; committedAt: string; documents: { id: string }[] };
    const sub = collect<{ data: { portingOrderChanged: OrderChange } }>(
      client,
      'subscription { portingOrderChanged { status eventId eventType sequence occurredAt committedAt documents { id } } }',
      5,
    );
    const numberChanges = collect<{ data: { numberStatusChanged: { e164: string; status: string; eventId: string; eventType: string; sequence: number } } }>(
      client,
      'subscription { numberStatusChanged { e164 status eventId eventType sequence } }',
      3,
    );
    await Promise.all([gw.untilSubscribed('PORTING_ORDER_CHANGED', t.tenantId), gw.untilSubscribed('NUMBER_STATUS_CHANGED', t.tenantId)]);

    const docs = await documents(t);
    const created = await submit(t, { phone_numbers: ['+15125559022', '+15125559021'], user_feedback: { comment: 'Moving from CarrierX' }, documents: docs });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toEqual({
      id: expect.any(String), status: 'submitted', phone_numbers: ['+15125559021', '+15125559022'],
      numbers: [
        { phone_number: '+15125559021', country_code: 'US', number_type: 'local', fast_portable: true, status: 'pending', foc_at: null, phone_number_id: null, failure_reason: null },
        { phone_number: '+15125559022', country_code: 'US', number_type: 'local', fast_portable: false, status: 'pending', foc_at: null, phone_number_id: null, failure_reason: null },
      ],
      documents: [...docs].sort(), user_feedback: { comment: 'Moving from CarrierX' }, end_user: null, foc_date: null,
      status_changed_at: FRIDAY.toISOString(), ported_at: null, cancelled_at: null, created_at: FRIDAY.toISOString(),
    });
    const status = async () => (await rest(gw.url, 'GET', `/v1/numbers/porting-orders/${id}`, { key: t.key })).body;

    // Nothing moves over the weekend.
    expect(await at('2026-11-22T23:00:00Z')).toEqual({ steps: 0 });
    await at('2026-11-23T15:00:00Z');
    expect((await status()).status).toBe('in_process');
    await at('2026-11-24T15:00:00Z');
    const confirmed = await status();
    expect(confirmed).toMatchObject({ status: 'foc_date_confirmed', foc_date: '2026-11-27T15:00:00.000Z' });
    expect(confirmed.numbers.map((n: { foc_at: string }) => n.foc_at)).toEqual(['2026-11-25T15:00:00.000Z', '2026-11-27T15:00:00.000Z']);
    expect((await rest(gw.url, 'GET', '/v1/numbers', { key: t.key })).body.data).toEqual([]);

    await at('2026-11-25T16:00:00Z');
    const partial = await status();
    expect(partial.status).toBe('partially_ported');
    const fastId = partial.numbers[0].phone_number_id;
    const fast = (await rest(gw.url, 'GET', `/v1/numbers/${fastId}`, { key: t.key })).body;
    expect(fast).toMatchObject({ e164: '+15125559021', status: 'active', activated_at: '2026-11-25T15:00:00.000Z', activation_price_cents_customer: 0, monthly_price_cents_customer: 150 });
    // The only number of a port still in progress holds the account at the losing carrier.
    expect(await codes(rest(gw.url, 'DELETE', `/v1/numbers/${fastId}`, { key: t.key }))).toEqual([409, 'release_not_permitted']);
    expect(await codes(rest(gw.url, 'POST', `/v1/numbers/porting-orders/${id}/cancel`, { key: t.key }))).toEqual([409, 'conflict']);

    // A late run catches up, timed as scheduled.
    await at('2026-11-28T09:00:00Z');
    const done = await status();
    expect(done).toMatchObject({ status: 'ported', ported_at: '2026-11-27T15:00:00.000Z', status_changed_at: '2026-11-27T15:00:00.000Z' });
    expect(done.numbers.map((n: { status: string }) => n.status)).toEqual(['ported', 'ported']);
    expect(await at('2026-12-01T09:00:00Z')).toEqual({ steps: 0 });

    expect((await sub.done).map((e) => e.data.portingOrderChanged.status)).toEqual(['submitted', 'in_process', 'foc_date_confirmed', 'partially_ported', 'ported']);
    const events = await gw.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' }, select: { id: true, type: true, sequence: true, occurredAt: true } });
    expect(events.map((e) => [e.type, Number(e.sequence)])).toEqual([
      ['porting_order.submitted', 1], ['porting_order.in_process', 2], ['porting_order.foc_date_confirmed', 3], ['porting_order.partially_ported', 4], ['porting_order.ported', 5],
    ]);
    // Each change names the event that recorded it, so a subscriber can dedupe and order across reconnects.
    const changes = (await sub.done).map((e) => e.data.portingOrderChanged);
    expect(changes.map((c) => [c.eventId, c.eventType, c.sequence, c.occurredAt])).toEqual(events.map((e) => [e.id, e.type, Number(e.sequence), e.occurredAt.toISOString()]));
    for (const c of changes) expect(Date.parse(c.committedAt)).not.toBeNaN();
    expect(changes[0].documents.map((d) => d.id).sort()).toEqual([...docs].sort());
    // First month pro rata from the FOC: 6 of 30 days (25th) → 30¢, 4 of 30 (27th) → 20¢; no activation fee.
    const fees = await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: { in: ['number_monthly', 'number_activation'] } }, orderBy: { amountCents: 'asc' } });
    expect(fees.map((f) => [f.kind, f.amountCents])).toEqual([['number_monthly', -30n], ['number_monthly', -20n]]);
    expect(await verifyLedger(gw.prisma)).toEqual([]);
    // A finished port no longer holds anything: its numbers are released like any other.
    expect((await rest(gw.url, 'DELETE', `/v1/numbers/${fastId}`, { key: t.key })).body.status).toBe('released');
    // Each ported number's arrival is its own first event (numbered from 1), carried by numberStatusChanged.
    const arrivals = (await numberChanges.done).map((e) => e.data.numberStatusChanged);
    await client.dispose();
    expect(arrivals.map(({ e164, status, eventType, sequence }) => [e164, status, eventType, sequence])).toEqual([
      ['+15125559021', 'active', 'phone_number.ported_in', 1],
      ['+15125559022', 'active', 'phone_number.ported_in', 1],
      ['+15125559021', 'released', 'phone_number.released', 2],
    ]);
    const numberEvents = await gw.prisma.event.findMany({ where: { resourceType: 'phone_number', tenantId: t.tenantId }, orderBy: [{ occurredAt: 'asc' }, { sequence: 'asc' }] });
    expect(arrivals.map((a) => a.eventId)).toEqual(numberEvents.map((e) => e.id));
    expect(numberEvents[0]).toMatchObject({ type: 'phone_number.ported_in', occurredAt: new Date('2026-11-25T15:00:00.000Z'), data: { e164: '+15125559021', status: 'active', order_id: id } });

    const list = await rest(gw.url, 'GET', '/v1/numbers/porting-orders?status=ported', { key: t.key });
    expect(list.body).toEqual({ data: [done], meta: { next_cursor: null } });
    const viaGql = await gql(gw.url, 'query($id: ID!) { portingOrder(id: $id) { status documents { documentType } numbers { phoneNumberId } } }', { key: t.key, variables: { id } });
    expect(viaGql.body.data.portingOrder.status).toBe('ported');
    expect(viaGql.body.data.portingOrder.documents.map((d: { documentType: string }) => d.documentType).sort()).toEqual(['bill', 'loa']);
  });

  it('cancel, and tenant isolation: another tenant’s order is not_found everywhere', async () => {
    const created = await submit(t, { phone_numbers: ['+15125559031'], documents: await documents(t) });
    const id = created.body.id;
    const other = await createTestTenant(gw.prisma);
    for (const [method, path] of [['GET', `/v1/numbers/porting-orders/${id}`], ['POST', `/v1/numbers/porting-orders/${id}/cancel`], ['GET', '/v1/numbers/porting-orders/nope']]) {
      expect(await codes(rest(gw.url, method, path, { key: other.key }))).toEqual([404, 'not_found']);
    }
    expect((await rest(gw.url, 'GET', '/v1/numbers/porting-orders', { key: other.key })).body.data).toEqual([]);
    await at('2026-11-23T15:00:00Z');
    const cancelled = await gql(gw.url, 'mutation($id: ID!) { cancelPortingOrder(id: $id) { status cancelledAt numbers { status } } }', { key: t.key, variables: { id } });
    expect(cancelled.body.data.cancelPortingOrder).toEqual({ status: 'cancelled', cancelledAt: '2026-11-23T15:00:00.000Z', numbers: [{ status: 'cancelled' }] });
    expect((await rest(gw.url, 'POST', `/v1/numbers/porting-orders/${id}/cancel`, { key: t.key })).body.status).toBe('cancelled');
    expect(await at('2026-12-01T15:00:00Z')).toEqual({ steps: 0 });
    const types = await gw.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' }, select: { type: true } });
    expect(types.map((e) => e.type)).toEqual(['porting_order.submitted', 'porting_order.in_process', 'porting_order.cancelled']);
    expect(await gw.prisma.auditEntry.findMany({ where: { resourceId: id }, select: { action: true }, orderBy: { createdAt: 'asc' } })).toEqual([
      { action: 'porting_order.created' },
      { action: 'porting_order.cancelled' },
    ]);
    const viaGql = await gql(gw.url, '{ portingOrders(status: cancelled) { nodes { id } } }', { key: t.key });
    expect(viaGql.body.data.portingOrders.nodes).toEqual([{ id }]);
  });
});
