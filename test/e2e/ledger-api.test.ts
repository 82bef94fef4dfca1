import { credit, debit } from '../../src/billing/ledger.service';
import { ServiceDeps } from '../../src/platform/service-deps';
import { addKey, createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant, servicesOf } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';
import { chargedAt } from '../helpers/billing-fixtures';

describe('ledger and usage, in both APIs', () => {
  let gw: TestGateway;
  let deps: ServiceDeps;
  let t: TestTenant;

  beforeAll(async () => {
    gw = await startTestGateway();
    deps = servicesOf(gw);
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    t = await createTestTenant(gw.prisma);
    await credit(deps, { tenantId: t.tenantId, kind: 'top_up', amountCents: 5_000n, description: 'top-up', reference: { type: 'payment', id: 'p1' } });
    for (let i = 0; i < 5; i++) await debit(deps, { tenantId: t.tenantId, kind: 'lookup', amountCents: 5n, description: `lookup ${i}` });
    await debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 100n, description: 'gather' });
  });

  it('pages through GET /v1/ledger newest first, and the pages add up to the balance', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await rest(gw.url, 'GET', `/v1/ledger?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: t.key });
      expect(r.status).toBe(200);
      seen.push(...r.body.data);
      cursor = r.body.meta.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(seen[0]).toEqual({
      id: expect.any(String), kind: 'action_fee', amount_cents: -100, balance_after_cents: 4_875, reference_type: null, reference_id: null, description: 'gather', created_at: expect.any(String),
    });
    expect(seen.at(-1)).toMatchObject({ kind: 'top_up', amount_cents: 5_000, reference_type: 'payment', reference_id: 'p1' });
    expect(seen.reduce((sum, e) => sum + e.amount_cents, 0)).toBe(4_875);
    expect(new Set(seen.map((e) => e.id)).size).toBe(7);
  });

  it('filters by kind, and GraphQL gives the same entries', async () => {
    const r = await rest(gw.url, 'GET', '/v1/ledger?kind=lookup', { key: t.key });
    expect(r.body.data.map((e: any) => e.kind)).toEqual(Array(5).fill('lookup'));
    const g = await gql(gw.url, '{ ledgerEntries(kind: lookup, first: 2) { nodes { id amountCents } pageInfo { hasNextPage endCursor } } }', { key: t.key });
    expect(g.body.data.ledgerEntries.nodes.map((n: any) => n.id)).toEqual(r.body.data.slice(0, 2).map((e: any) => e.id));
    expect(g.body.data.ledgerEntries.pageInfo.hasNextPage).toBe(true);
  });

  it('answers usage: spend, credits and counts by kind', async () => {
    const r = await rest(gw.url, 'GET', '/v1/usage', { key: t.key });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ spend_cents: 125, credited_cents: 5_000 });
    expect(r.body.by_kind).toHaveLength(3);
    expect(r.body.by_kind).toEqual(
      expect.arrayContaining([
        { kind: 'top_up', count: 1, amount_cents: 5_000 },
        { kind: 'lookup', count: 5, amount_cents: -25 },
        { kind: 'action_fee', count: 1, amount_cents: -100 },
      ]),
    );
    const past = await rest(gw.url, 'GET', '/v1/usage?from=2020-01-01&to=2020-02-01', { key: t.key });
    expect(past.body).toMatchObject({ spend_cents: 0, credited_cents: 0, by_kind: [] });
  });

  it.each([
    ['/v1/ledger?cursor=garbage', 'cursor'],
    ['/v1/ledger?limit=0', 'limit'],
    ['/v1/ledger?limit=abc', 'limit'],
    ['/v1/ledger?kind=bribe', 'bribe'],
    ['/v1/ledger?from=yesterday', 'from'],
    ['/v1/usage?from=2026-02-01&to=2026-01-01', 'from'],
  ])('%s → 400 invalid_request naming %s', async (path, word) => {
    const r = await rest(gw.url, 'GET', path, { key: t.key });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.message).toContain(word);
  });

  it('shows one tenant nothing of another’s ledger, and needs billing:read', async () => {
    const other = await createTestTenant(gw.prisma);
    expect((await rest(gw.url, 'GET', '/v1/ledger', { key: other.key })).body.data).toEqual([]);
    const noScope = await addKey(gw.prisma, t.tenantId, ['calls:read']);
    expect((await rest(gw.url, 'GET', '/v1/ledger', { key: noScope })).body.error.code).toBe('forbidden');
  });

  it('shows held credit and what is available on the account', async () => {
    const g = await gql(gw.url, '{ account { balance { amountCents heldCents availableCents } } }', { key: t.key });
    expect(g.body.data.account.balance).toEqual({ amountCents: 4_875, heldCents: 0, availableCents: 4_875 });
  });

  it('balanceChanged tells a subscriber each new balance after commit, and nothing for a rolled-back debit', async () => {
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    try {
      const sub = collect<any>(client, 'subscription { balanceChanged { balance { amountCents availableCents } } }', 2);
      await gw.untilSubscribed('BALANCE_CHANGED', t.tenantId);
      await expect(debit(deps, { tenantId: t.tenantId, kind: 'action_fee', amountCents: 1_000_000n, description: 'refused' })).rejects.toMatchObject({ code: 'balance_insufficient' });
      await debit(deps, { tenantId: t.tenantId, kind: 'lookup', amountCents: 75n, description: 'lookup' });
      await credit(deps, { tenantId: t.tenantId, kind: 'refund', amountCents: 25n, description: 'refund' });
      const events = await sub.done;
      expect(events.map((e) => e.data.balanceChanged.balance.amountCents)).toEqual([4_800, 4_825]);
    } finally {
      await client.dispose();
    }
  });

  it('counts every debit since UTC midnight as today’s spend, and nothing from before', async () => {
    const midnight = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
    await chargedAt(gw.prisma, t.tenantId, 'action_fee', 400n, 'yesterday, one second before midnight', new Date(midnight.getTime() - 1000));
    const g = await gql(gw.url, '{ quota { spentTodayCents dailySpendCapCents } }', { key: t.key });
    expect(g.body.data.quota).toEqual({ spentTodayCents: 125, dailySpendCapCents: 50_000 });
  });
});
