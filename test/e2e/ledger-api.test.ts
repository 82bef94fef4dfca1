import { credit, debit } from '../../src/billing/ledger.service';
import { consume, freeze, release } from '../../src/billing/holds.service';
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

  it('balanceChanged: the ledger entry’s id (a settled hold’s id when none is posted) and a per-tenant sequence in commit order, under racing debits', async () => {
    const racing = Array.from({ length: 12 }, (_, i) => BigInt(101 + i * 7));
    const expected = racing.length + 3;
    const first = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    const second = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    const QUERY = 'subscription { balanceChanged { eventId sequence committedAt balance { amountCents } } }';
    try {
      const a = collect<{ data: { balanceChanged: { eventId: string; sequence: number; committedAt: string; balance: { amountCents: number } } } }>(first, QUERY, expected);
      const b = collect<{ data: { balanceChanged: { eventId: string; sequence: number; committedAt: string; balance: { amountCents: number } } } }>(second, QUERY, expected);
      await gw.untilSubscribed('BALANCE_CHANGED', t.tenantId, 2);
      const before = await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } });
      const startSequence = Number(before.balanceSequence);

      // Separate pooled connections, all at once: the tenant row's lock decides their commit order.
      const posted = await Promise.all(racing.map((cents, i) => debit(deps, { tenantId: t.tenantId, kind: 'lookup', amountCents: cents, description: `race ${i}` })));
      const released = await freeze(deps, { tenantId: t.tenantId, transactionId: `released-${t.tenantId}`, amountCents: 500n, description: 'released' });
      await release(deps, { tenantId: t.tenantId, transactionId: `released-${t.tenantId}` });
      const free = await freeze(deps, { tenantId: t.tenantId, transactionId: `free-${t.tenantId}`, amountCents: 500n, description: 'consumed for nothing' });
      await consume(deps, { tenantId: t.tenantId, transactionId: `free-${t.tenantId}`, actualCents: 0n, kind: 'call_charge', description: 'nothing' });
      const charged = await freeze(deps, { tenantId: t.tenantId, transactionId: `charged-${t.tenantId}`, amountCents: 500n, description: 'charged' });
      const consumed = await consume(deps, { tenantId: t.tenantId, transactionId: `charged-${t.tenantId}`, actualCents: 42n, kind: 'call_charge', description: 'charged' });

      const seen = (await a.done).map((e) => e.data.balanceChanged);
      // Another socket hears the very same names and numbers: they belong to the change, not to the delivery.
      expect((await b.done).map((e) => e.data.balanceChanged)).toEqual(seen);
      const bySequence = [...seen].sort((x, y) => x.sequence - y.sequence);
      expect(bySequence.map((c) => c.sequence)).toEqual(Array.from({ length: expected }, (_, i) => startSequence + 1 + i));
      expect(new Set(seen.map((c) => c.eventId)).size).toBe(expected);

      // The racing debits: each named by its ledger entry, and in sequence order every balance is the one before
      // minus that entry's amount, which holds only if the sequence follows the order the debits committed.
      const races = bySequence.slice(0, racing.length);
      expect(races.map((c) => c.eventId).sort()).toEqual(posted.map((p) => p.id).sort());
      const entries = new Map((await gw.prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId } })).map((e) => [e.id, e]));
      let balance = Number(before.balanceCents);
      for (const c of races) {
        balance += Number(entries.get(c.eventId)!.amountCents);
        expect(c.balance.amountCents).toBe(balance);
        expect(Number(entries.get(c.eventId)!.balanceAfterCents)).toBe(balance);
      }
      // Holds settled without a ledger entry are named by the hold; one consumed for money by its entry.
      expect(bySequence.slice(racing.length).map((c) => [c.eventId, c.balance.amountCents])).toEqual([
        [released.id, balance],
        [free.id, balance],
        [consumed.ledgerEntryId, balance - 42],
      ]);
      expect(charged.id).not.toBe(consumed.ledgerEntryId);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
  it('counts every debit since UTC midnight as today’s spend, and nothing from before', async () => {
    const midnight = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
    await chargedAt(gw.prisma, t.tenantId, 'action_fee', 400n, 'yesterday, one second before midnight', new Date(midnight.getTime() - 1000));
    const g = await gql(gw.url, '{ quota { spentTodayCents dailySpendCapCents } }', { key: t.key });
    expect(g.body.data.quota).toEqual({ spentTodayCents: 125, dailySpendCapCents: 50_000 });
  });
});
