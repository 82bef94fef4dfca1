import { randomUUID } from 'node:crypto';
import { DocumentNode, execute, ExecutionResult, parse } from 'graphql';
import { COMPILE_AFTER, executeQuery, isCompiled } from '../../src/graphql/compiled-queries';
import { makeContext } from '../../src/graphql/context';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { debit } from '../../src/billing/ledger.service';
import { Scope, SCOPES } from '../../src/platform/auth/scopes';
import { fundedTenant, serviceDeps } from '../helpers/services';

// Repeated queries run compiled by graphql-jit (src/graphql/compiled-queries.ts). Every query here runs several
// times, and each answer, compiled or not, must be byte for byte what graphql-js gives for the same document:
// data, nulls, custom scalars, enums, aliases, fragments, directives, variables, and errors.

describe('compiled queries answer exactly as graphql-js', () => {
  let base: Awaited<ReturnType<typeof serviceDeps>>;
  let schema: Awaited<ReturnType<typeof buildGatewaySchema>>;
  let tenantId: string;
  const numberIds: string[] = [];

  beforeAll(async () => {
    base = await serviceDeps();
    schema = await buildGatewaySchema(base.pubSub);
    tenantId = await fundedTenant(base, 50_000n);
    const db = base.prisma;
    const connection = await db.connection.findFirstOrThrow({ where: { tenantId, isDefault: true } });
    const orderId = randomUUID();
    for (let i = 0; i < 3; i++) {
      const number = await db.phoneNumber.create({
        data: {
          tenantId, e164: `+1737555${String(2000 + i)}`, countryCode: 'US', numberType: i ? 'toll_free' : 'local', capabilities: i ? ['voice'] : [], status: 'active',
          activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 1_500n, connectionId: i === 2 ? null : connection.id, orderId,
        },
      });
      numberIds.push(number.id);
      const charge = i === 1 ? null : await debit(base, { tenantId, kind: 'call_charge', amountCents: BigInt(10 + i), description: `call ${i}` });
      await db.call.create({
        data: {
          tenantId, direction: 'outbound', fromNumber: number.e164, toNumber: `+1512777${String(3000 + i)}`, destinationCountry: 'US', ratePrefix: '1',
          carrierCostPerMinuteMillicents: 450, status: i === 1 ? 'ringing' : 'completed', queuedAt: new Date(Date.UTC(2026, 11, 1, 9, 0, i)),
          answeredAt: i === 1 ? null : new Date(Date.UTC(2026, 11, 1, 9, 1, i)), billableSeconds: i === 1 ? null : 60 + i, phoneNumberId: number.id,
          connectionId: number.connectionId, chargeCents: charge ? BigInt(10 + i) : null, chargeLedgerEntryId: charge?.id ?? null,
        },
      });
    }
  });
  afterAll(() => base.close());

  const contextOf = (scopes: readonly Scope[] = SCOPES) => makeContext(base, 'req-jit', { actor: { tenantId, keyId: null, scopes: new Set(scopes), requestId: 'req-jit' } });
  const plain = (document: DocumentNode, variableValues?: Record<string, unknown>, scopes?: readonly Scope[]) =>
    Promise.resolve(execute({ schema, document, variableValues, contextValue: contextOf(scopes) }));
  const compiledOrNot = (document: DocumentNode, variableValues?: Record<string, unknown>, scopes?: readonly Scope[]) =>
    executeQuery({ schema, document, variableValues, contextValue: contextOf(scopes) });
  const asJson = (result: ExecutionResult) => JSON.stringify(result);

  /** Runs the document past the point it is compiled, comparing every answer with graphql-js's. */
  async function expectSameEveryRun(query: string, variables?: Record<string, unknown>, scopes?: readonly Scope[]): Promise<ExecutionResult> {
    const document = parse(query);
    const expected = asJson(await plain(document, variables, scopes));
    for (let run = 1; run <= COMPILE_AFTER + 2; run++) expect(asJson(await compiledOrNot(document, variables, scopes))).toBe(expected);
    return JSON.parse(expected) as ExecutionResult;
  }

  it('lists with nested objects, nulls, bigints and dates: compiled from the second run, same answers', async () => {
    const query = '{ calls(first: 10) { pageInfo { hasNextPage endCursor } nodes { id status direction from to billableSeconds answeredAt chargeCents phoneNumber { e164 numberType capabilities monthlyPriceCentsCustomer connection { name isDefault } } charge { amountCents description } } } }';
    const document = parse(query);
    await compiledOrNot(document);
    expect(isCompiled(schema, document)).toBe(false);
    await compiledOrNot(document);
    expect(isCompiled(schema, document)).toBe(true);
    const result = await expectSameEveryRun(query);
    expect(result.errors).toBeUndefined();
    const nodes = (result.data as any).calls.nodes as any[];
    expect(nodes).toHaveLength(3);
    expect(nodes.filter((n) => n.charge === null)).toHaveLength(1);
    expect(nodes.some((n) => n.phoneNumber.connection === null)).toBe(true);
  });

  it('aliases, fragments, inline fragments, @include/@skip and variables', async () => {
    const query = `query Q($first: Int!, $withNumber: Boolean!, $noCharge: Boolean = true) {
      a: phoneNumbers(first: $first) { nodes { ...N } }
      b: calls(first: 2) { nodes { ... on Call { id status } phoneNumber @include(if: $withNumber) { ...N } charge @skip(if: $noCharge) { amountCents } } }
      account { balance { amountCents availableCents } }
    }
    fragment N on PhoneNumber { id e164 status emergencyEnabled }`;
    for (const variables of [{ first: 2, withNumber: true }, { first: 3, withNumber: false, noCharge: false }]) {
      const result = await expectSameEveryRun(query, variables);
      expect(result.errors).toBeUndefined();
    }
  });

  it('errors are graphql-js’s, compiled or not: unknown id, a variable of the wrong type, a missing scope', async () => {
    const byId = 'query N($id: ID!) { phoneNumber(id: $id) { id e164 } }';
    expect((await expectSameEveryRun(byId, { id: numberIds[0] })).errors).toBeUndefined();
    expect((await expectSameEveryRun(byId, { id: randomUUID() })).errors).toBeDefined();
    expect((await expectSameEveryRun(byId, { id: 12.5 })).errors?.[0].message).toMatch(/\$id/);
    expect((await expectSameEveryRun(byId, {})).errors?.[0].message).toMatch(/\$id/);
    const withoutCallsRead = SCOPES.filter((s) => s !== 'calls:read' && s !== 'admin');
    expect((await expectSameEveryRun('{ calls(first: 1) { nodes { id } } }', undefined, withoutCallsRead)).errors).toBeDefined();
  });
});
