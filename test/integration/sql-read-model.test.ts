import { randomUUID } from 'node:crypto';
import { execute, parse } from 'graphql';
import { makeContext } from '../../src/graphql/context';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { debit } from '../../src/billing/ledger.service';
import { CallFilter, chargesByIds, listCalls } from '../../src/calls/calls.queries';
import { placementFacts } from '../../src/calls/calls.placement-facts';
import { parseE164 } from '../../src/carrier/e164';
import { connectionsByIds } from '../../src/numbers/connections.service';
import { emergencyAddressesByIds } from '../../src/numbers/emergency-addresses.service';
import { listPhoneNumbers, PhoneNumberFilter, phoneNumbersByIds } from '../../src/numbers/numbers.queries';
import { getPhoneNumber } from '../../src/numbers/numbers.service';
import { SCOPES, systemActor } from '../../src/platform/auth/scopes';
import { createPrismaClient, Db } from '../../src/platform/db/client';
import { HOT_AFTER, PREPARED_WHEN_HOT } from '../../src/platform/db/prepared';
import { sqlOf } from '../../src/platform/db/sql';
import { authenticate, AuthResult } from '../../src/platform/auth/authenticate';
import { createApiKey } from '../../src/tenants/tenant.service';
import { Page, PageArgs } from '../../src/platform/pagination';
import { ServiceDeps } from '../../src/platform/service-deps';
import { testDatabaseUrl } from '../helpers/database';
import { fundedTenant, serviceDeps } from '../helpers/services';

// The hot list reads are hand-written SQL outside a transaction and Prisma inside one. Both must give the very
// same views (names, bigint, Date, null, arrays), the same order and the same pages, so every read here runs
// both ways and the two answers are compared. A column renamed or mistyped on one side fails this file.

describe('hand-written SQL reads give what Prisma gives', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  let tenantId: string;
  let otherTenantId: string;
  const ids = { numbers: [] as string[], calls: [] as string[], charges: [] as string[], connections: [] as string[], addresses: [] as string[], otherNumber: '' };
  const sameInstant = new Date('2026-11-20T10:00:00.123Z');

  beforeAll(async () => {
    base = await serviceDeps();
    tenantId = await fundedTenant(base, 100_000n);
    otherTenantId = await fundedTenant(base, 100_000n);
    const db = base.prisma;
    const connection = await db.connection.create({ data: { tenantId, name: 'Second line' } });
    const defaultConnection = await db.connection.findFirstOrThrow({ where: { tenantId, isDefault: true } });
    ids.connections = [connection.id, defaultConnection.id];
    const plain = await db.emergencyAddress.create({ data: { tenantId, streetAddress: '1 Main St', locality: 'Austin', administrativeArea: 'TX', postalCode: '78701', countryCode: 'US' } });
    const suite = await db.emergencyAddress.create({
      data: { tenantId, streetAddress: '2 Main St', extendedAddress: 'Suite 5', locality: 'Austin', administrativeArea: 'TX', postalCode: '78701', countryCode: 'US' },
    });
    ids.addresses = [plain.id, suite.id];
    const orderId = randomUUID();
    for (let i = 0; i < 7; i++) {
      // Three share one created_at, so pages must break the tie on id exactly as Prisma's cursor does.
      const number = await db.phoneNumber.create({
        data: {
          tenantId, e164: `+1512555${String(1000 + i)}`, countryCode: 'US', numberType: i % 2 ? 'toll_free' : 'local', capabilities: i % 3 ? ['voice', 'sms'] : [],
          status: i === 5 ? 'released' : 'active', activationPriceCentsCustomer: 100n + BigInt(i), monthlyPriceCentsCustomer: 9_007_199_254_740_993n,
          connectionId: i % 2 ? connection.id : i === 4 ? null : defaultConnection.id, emergencyAddressId: i === 1 ? suite.id : i === 2 ? plain.id : null,
          customerReference: i === 3 ? 'ref-3' : null, cnamLookupEnabled: i === 3, cnamDisplayName: i === 3 ? 'ACME' : null, orderId,
          activatedAt: i === 6 ? null : new Date(Date.UTC(2026, 10, 1, 0, 0, i)), releasedAt: i === 5 ? new Date('2026-11-19T00:00:00Z') : null,
          createdAt: i < 3 ? sameInstant : new Date(sameInstant.getTime() + i * 1000),
        },
      });
      ids.numbers.push(number.id);
      const charge = i % 2 ? null : await debit(base, { tenantId, kind: 'call_charge', amountCents: BigInt(10 + i), description: `call ${i}` });
      if (charge) ids.charges.push(charge.id);
      const call = await db.call.create({
        data: {
          tenantId, direction: i === 2 ? 'inbound' : 'outbound', fromNumber: number.e164, toNumber: `+1512777${String(1000 + i)}`, destinationCountry: 'US', ratePrefix: '1',
          carrierCostPerMinuteMillicents: 450 + i, status: i === 6 ? 'ringing' : i === 5 ? 'busy' : 'completed', queuedAt: new Date(Date.UTC(2026, 10, 20, 9, 0, i)),
          answeredAt: i % 3 ? new Date(Date.UTC(2026, 10, 20, 9, 1, i)) : null, endedAt: i === 6 ? null : new Date(Date.UTC(2026, 10, 20, 9, 2, i)),
          billableSeconds: i === 6 ? null : 60 + i, markupBps: i, hangupCause: i === 5 ? 'user_busy' : null, phoneNumberId: i === 4 ? null : number.id,
          connectionId: number.connectionId, chargeCents: charge ? BigInt(10 + i) : null, chargeLedgerEntryId: charge?.id ?? null, screening: i === 2 ? 'passed' : null,
          createdAt: i < 3 ? sameInstant : new Date(sameInstant.getTime() + i * 1000),
        },
      });
      ids.calls.push(call.id);
    }
    const other = await db.phoneNumber.create({
      data: { tenantId: otherTenantId, e164: '+15125559999', countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId },
    });
    ids.otherNumber = other.id;
  });
  afterAll(() => base.close());

  const actor = () => systemActor(tenantId, 'req-sql');
  /** Runs `read` on the plain pool (SQL) and inside a transaction (Prisma), and returns both answers. */
  async function bothWays<T>(read: (db: Db) => Promise<T>): Promise<{ sql: T; prisma: T }> {
    expect(sqlOf(base.prisma)).toBeDefined();
    const sql = await read(base.prisma);
    const prisma = await base.prisma.$transaction(async (tx) => {
      expect(sqlOf(tx)).toBeUndefined();
      return read(tx);
    });
    return { sql, prisma };
  }
  const withDb = (db: Db): ServiceDeps => ({ ...base, db });

  /** Every page of a list, `size` at a time, following the cursors. */
  async function allPages<T>(list: (page: PageArgs) => Promise<Page<T>>, size: number): Promise<Page<T>[]> {
    const pages: Page<T>[] = [];
    let after: string | null = null;
    do {
      const page: Page<T> = await list({ first: size, after });
      pages.push(page);
      after = page.hasNextPage ? page.endCursor : null;
    } while (after);
    return pages;
  }

  it('lists calls the same, page by page, with every filter', async () => {
    const filters: CallFilter[] = [
      {},
      { status: 'completed' },
      { direction: 'inbound' },
      { from: '+15125551003' },
      { to: '+15127771005' },
      { placedAfter: sameInstant },
      { placedAfter: new Date(sameInstant.getTime() + 1), placedBefore: new Date(sameInstant.getTime() + 5_500) },
    ];
    for (const filter of filters) {
      for (const size of [2, 3, 50]) {
        const { sql, prisma } = await bothWays((db) => allPages((page) => listCalls(withDb(db), actor(), filter, page), size));
        expect(sql).toEqual(prisma);
      }
    }
    const { sql } = await bothWays((db) => allPages((page) => listCalls(withDb(db), actor(), {}, page), 2));
    const listed = sql.flatMap((p) => p.nodes);
    expect(listed.map((c) => c.id).sort()).toEqual([...ids.calls].sort());
    expect(listed.find((c) => c.chargeCents !== null)?.chargeCents).toEqual(expect.any(BigInt));
    expect(listed.every((c) => c.createdAt instanceof Date)).toBe(true);
  });

  it('lists numbers the same, page by page, with every filter', async () => {
    const filters: PhoneNumberFilter[] = [{}, { status: 'released' }, { numberType: 'toll_free' }, { connectionId: ids.connections[0] }, { status: 'active', numberType: 'local' }];
    for (const filter of filters) {
      for (const size of [2, 3, 50]) {
        const { sql, prisma } = await bothWays((db) => allPages((page) => listPhoneNumbers(withDb(db), actor(), filter, page), size));
        expect(sql).toEqual(prisma);
      }
    }
    const { sql } = await bothWays((db) => listPhoneNumbers(withDb(db), actor(), {}, { first: 50 }));
    // An int8 above 2^53 survives: it is mapped to bigint from its text, never through a float.
    expect(sql.nodes[0].monthlyPriceCentsCustomer).toBe(9_007_199_254_740_993n);
    expect(sql.nodes.map((n) => n.id)).not.toContain(ids.otherNumber);
  });

  it('finds numbers, charges, connections and addresses by id the same, and only the tenant’s', async () => {
    const byId = <T extends { id?: string; ledgerEntryId?: string }>(rows: T[]) => [...rows].sort((a, b) => String(a.id ?? a.ledgerEntryId).localeCompare(String(b.id ?? b.ledgerEntryId)));
    const numbers = await bothWays(async (db) => byId(await phoneNumbersByIds(db, tenantId, [...ids.numbers, ids.otherNumber])));
    expect(numbers.sql).toEqual(numbers.prisma);
    expect(numbers.sql).toHaveLength(ids.numbers.length);
    const charges = await bothWays(async (db) => byId(await chargesByIds(db, tenantId, ids.charges)));
    expect(charges.sql).toEqual(charges.prisma);
    expect(charges.sql.map((c) => c.amountCents)).toEqual(expect.arrayContaining([10n, 12n]));
    const connections = await bothWays(async (db) => byId(await connectionsByIds(db, tenantId, ids.connections)));
    expect(connections.sql).toEqual(connections.prisma);
    expect(connections.sql).toHaveLength(2);
    const addresses = await bothWays(async (db) => byId(await emergencyAddressesByIds(db, tenantId, ids.addresses)));
    expect(addresses.sql).toEqual(addresses.prisma);
    expect(addresses.sql.map((a) => a.extendedAddress).sort()).toEqual(['Suite 5', null].sort());
    expect(await phoneNumbersByIds(base.prisma, otherTenantId, ids.numbers)).toEqual([]);
    for (const id of ids.numbers) {
      const one = await bothWays((db) => getPhoneNumber(withDb(db), actor(), id));
      expect(one.sql).toEqual(one.prisma);
    }
    await expect(getPhoneNumber(base, actor(), ids.otherNumber)).rejects.toMatchObject({ code: 'number_not_found' });
  });

  it('answers list queries the same whatever they select: joined and narrowed, or through Prisma and loaders', async () => {
    const schema = await buildGatewaySchema(base.pubSub);
    const auth = { actor: { tenantId, keyId: null, scopes: new Set(SCOPES), requestId: 'req-sql' } };
    const queries = [
      '{ calls(first: 50) { nodes { id status phoneNumber { e164 } connection { name } charge { amountCents } } } }',
      '{ calls(first: 3) { pageInfo { hasNextPage endCursor } nodes { __typename id from to direction chargeCents answeredAt charge { ledgerEntryId description createdAt balanceAfterCents } } } }',
      'query { calls(status: completed) { nodes { ...C phoneNumber { ...N emergencyEnabled connection { id name isDefault } } } } } fragment C on Call { id hangupCause billableSeconds ... on Call { screening queuedAt } } fragment N on PhoneNumber { id e164 activationPriceCentsCustomer capabilities }',
      '{ calls(first: 50) { nodes { id events { toStatus } connection { id isDefault createdAt } } } }',
      '{ phoneNumbers(first: 50) { nodes { id e164 status connection { id name } emergencyAddress { id locality } } } }',
      '{ phoneNumbers(first: 4) { pageInfo { endCursor } nodes { id capabilities numberType emergencyEnabled activatedAt emergencyAddress { extendedAddress postalCode createdAt } } } }',
      '{ phoneNumbers(numberType: toll_free) { nodes { ... on PhoneNumber { e164 cnamDisplayName customerReference releasedAt } } } }',
    ];
    for (const query of queries) {
      const document = parse(query);
      const { sql, prisma } = await bothWays((db) => Promise.resolve(execute({ schema, document, contextValue: makeContext(base, 'req-sql', auth, db) })));
      expect(sql.errors).toBeUndefined();
      expect(JSON.parse(JSON.stringify(sql))).toEqual(JSON.parse(JSON.stringify(prisma)));
      expect(JSON.stringify(sql.data)).not.toMatch(/"nodes":\[\]/);
    }
  });

  it('counts its statements with the same counter as Prisma’s', async () => {
    const seen: string[] = [];
    const counted = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 1, onQuery: (sql) => seen.push(sql) });
    try {
      await listCalls({ ...base, db: counted }, actor(), {}, { first: 5 });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/FROM calls c/);
      // A page of calls with its number, connection and charge is one statement, reading only what is shown.
      seen.length = 0;
      const schema = await buildGatewaySchema(base.pubSub);
      const auth = { actor: { tenantId, keyId: null, scopes: new Set(SCOPES), requestId: 'req-sql' } };
      const document = parse('{ calls(first: 100) { nodes { id status phoneNumber { e164 } connection { name } charge { amountCents } } } }');
      const result = await execute({ schema, document, contextValue: makeContext({ ...base, db: counted }, 'req-sql', auth) });
      expect(result.errors).toBeUndefined();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/c\.status/);
      expect(seen[0]).not.toMatch(/hangup_cause|n\.status|k\.is_default|l\.description/);
    } finally {
      await counted.$disconnect();
    }
  });

  it('the key check is hand-written, planned once per connection, and answers like before', async () => {
    const one = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 1 }); // one connection for all below
    try {
      const key = (await createApiKey(base.prisma, systemActor(tenantId, 'req-sql'), { name: 'sql', scopes: ['calls:read'] })).plaintext;
      const tenantOf = (auth: AuthResult) => (auth.actor ? auth.tenant : undefined);
      for (let i = 0; i < 3; i++) {
        const auth = await authenticate(one, `Bearer ${key}`, `req-${i}`);
        expect(auth.actor).toMatchObject({ tenantId, scopes: new Set(['calls:read']) });
        expect(tenantOf(auth)).toMatchObject({ id: tenantId, balanceCents: expect.any(BigInt), heldCents: 0n });
      }
      // Through Prisma's raw path (inside a transaction) it answers the same.
      const inTx = await one.$transaction((tx) => authenticate(tx, `Bearer ${key}`, 'req-tx'));
      expect(tenantOf(inTx)).toEqual(tenantOf(await authenticate(one, `Bearer ${key}`, 'req-4')));
      expect(tenantOf(inTx)).toBeDefined();
      expect((await authenticate(one, `Bearer ${key.slice(0, -1)}x`, 'req-bad')).error?.code).toBe('invalid_credentials');
      const prepared = await sqlOf(one)!.rows<{ statement: string; executions: string }>(
        'SELECT statement, (generic_plans + custom_plans)::text AS executions FROM pg_prepared_statements', [],
      );
      expect(prepared.filter((p) => p.statement.includes('FROM api_keys k')).map((p) => Number(p.executions))).toEqual([6]);
    } finally {
      await one.$disconnect();
    }
  });

  it('a list page polled again and again is planned once per connection from its HOT_AFTER-th run, and answers the same', async () => {
    const one = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 1 }); // one connection: its prepared statements are all there is
    try {
      const runs = HOT_AFTER + 3;
      // Page sizes no other test uses: these texts are new to this process's run counts.
      const pages = [];
      for (let i = 0; i < runs; i++) pages.push(await listCalls({ ...base, db: one }, actor(), {}, { first: 17 }, { fields: new Set(['status']), phoneNumber: new Set(['e164']) }));
      for (let i = 0; i < runs; i++) await listPhoneNumbers({ ...base, db: one }, actor(), {}, { first: 19 });
      expect(new Set(pages.map((p) => JSON.stringify(p))).size).toBe(1);
      expect(pages[0].nodes.length).toBeGreaterThan(0);
      const prepared = await sqlOf(one)!.rows<{ statement: string; executions: string }>(
        'SELECT statement, (generic_plans + custom_plans)::text AS executions FROM pg_prepared_statements', [],
      );
      const executionsOf = (table: string) => prepared.filter((p) => p.statement.includes(`${PREPARED_WHEN_HOT} SELECT`) && p.statement.includes(table)).map((p) => Number(p.executions));
      expect(executionsOf('FROM calls c')).toEqual([runs - HOT_AFTER + 1]);
      expect(executionsOf('FROM phone_numbers n')).toEqual([runs - HOT_AFTER + 1]);
    } finally {
      await one.$disconnect();
    }
  });

  it('reads what a placement must know in one statement, as the reads through Prisma give it', async () => {
    const db = base.prisma;
    const facts = (from: string, to: string, connection?: string | null) =>
      bothWays((d) => placementFacts(d, tenantId, from, parseE164(to)!, connection));
    const [active, released] = await Promise.all([
      db.phoneNumber.findFirstOrThrow({ where: { tenantId, status: 'active', connectionId: { not: null } } }),
      db.phoneNumber.findFirstOrThrow({ where: { tenantId, status: 'released' } }),
    ]);
    const cases: [string, string, (string | null)?][] = [
      [active.e164, '+447700900123'], // the tenant's number; the longest prefix wins (447 before 44)
      [released.e164, '+4930123456'], // a released number is not the tenant's
      ['+15125559999', '+15125550100'], // another tenant's number
      [active.e164, '+8613800000000'], // a destination without a rate
      [active.e164, '+15125550100', ids.connections[0]], // its own connection
      [active.e164, '+15125550100', randomUUID()], // nobody's connection
      [active.e164, '+15125550100', 'not-a-uuid'],
      [active.e164, '+15125550100', ''], // as good as none asked
    ];
    for (const [from, to, connection] of cases) {
      const both = await facts(from, to, connection);
      expect(both.sql).toEqual(both.prisma);
    }
    const first = (await facts(active.e164, '+447700900123')).sql;
    expect(first).toMatchObject({ ownDid: { id: active.id, connectionId: active.connectionId }, rate: { prefix: '447' }, askedConnectionId: undefined, defaultConnectionId: ids.connections[1] });
    expect(first.quota.dailySpendCapCents).toEqual(expect.any(BigInt));
    expect((await facts(active.e164, '+15125550100', randomUUID())).sql.askedConnectionId).toBeNull();
    expect((await facts(active.e164, '+8613800000000')).sql.rate).toBeNull();
    expect((await facts(released.e164, '+15125550100')).sql.ownDid).toBeNull();

    // The markup: the plan's, then the tenant's override over it.
    const now = new Date();
    await db.subscription.create({ data: { tenantId, planSlug: 'growth', currentPeriodStart: now, currentPeriodEnd: new Date(now.getTime() + 86_400_000) } });
    const onPlan = await facts(active.e164, '+15125550100');
    expect(onPlan.sql.markupBps).toBe(3000);
    expect(onPlan.sql).toEqual(onPlan.prisma);
    await db.tenant.update({ where: { id: tenantId }, data: { markupOverrideBps: 1234 } });
    const overridden = await facts(active.e164, '+15125550100');
    expect(overridden.sql.markupBps).toBe(1234);
    expect(overridden.sql).toEqual(overridden.prisma);
    await db.tenant.update({ where: { id: tenantId }, data: { markupOverrideBps: null } });
    await db.subscription.deleteMany({ where: { tenantId } });
  });
});
