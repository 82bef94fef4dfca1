import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { retireDestinationRate, setDestinationRate } from '../../src/calls/rates.admin';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { credit } from '../../src/billing/ledger.service';
import { ApiError } from '../../src/platform/errors';
import { createTestTenant, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';

// Destination rates managed by operators with the admin CLI (rate:list, rate:set, rate:retire): validated,
// audited with no tenant, and used by the very next preflight, placement and inbound answer.

const CLI = join(__dirname, '../../dist/src/admin/cli.js');
const run = promisify(execFile);
const CLI_RUNS_TIMEOUT_MS = 120_000;
const operator = { label: 'admin_cli', requestId: 'admin-rates-test' };

let gw: TestGateway;
let sim: CarrierSimulator;
let t: TestTenant;
const DID = '+15125550170';

const admin = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: gw.databaseUrl } });
  return JSON.parse(stdout);
};
const preflight = (to: string) => rest(gw.url, 'POST', '/v1/calls/preflight', { key: t.key, body: { from: DID, to } });
const rateAudit = () => gw.prisma.auditEntry.findMany({ where: { resourceType: 'destination_rate' }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  sim = createCarrierSimulator({ seed: 'admin-rates', timeScale: 0.02 });
  gw = await startTestGateway({}, { callCarrier: callCarrierFrom(sim) });
  t = await createTestTenant(gw.prisma);
  await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 100_000n, description: 'test funding' });
  // Every country allowed, so preflight reaches the pricing check for any destination.
  await gw.prisma.tenantQuota.upsert({ where: { tenantId: t.tenantId }, create: { tenantId: t.tenantId, countriesAllowed: [] }, update: { countriesAllowed: [] } });
  await gw.prisma.phoneNumber.create({
    data: { tenantId: t.tenantId, e164: DID, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
  });
});

afterAll(async () => {
  // Destination rates are reference data the test database keeps between tests: leave only the seeded ones.
  await gw.prisma.destinationRate.deleteMany({ where: { OR: [{ countryCode: 'US', prefix: '1512' }, { countryCode: 'IS' }] } });
  await gw.prisma.destinationRate.updateMany({ where: { retiredAt: { not: null } }, data: { retiredAt: null } });
  await gw.close();
  sim.close();
});

describe('destination rates, managed by operators', () => {
  it('rate:set creates and updates by prefix, rate:retire retires; each is audited with no tenant and prices the next call', async () => {
    expect((await preflight('+15125550144')).body.price_per_minute_cents).toBe('0.63');

    const created = await admin('rate:set', 'US', '1512', '--millicents', '60000', '--description', 'United States, Austin');
    expect(created).toMatchObject({ country_code: 'US', prefix: '1512', description: 'United States, Austin', carrier_cost_per_minute_millicents: 60_000, retired_at: null });
    // 60 000 millicents × 1.4 (the default markup) = 84 ¢ a minute, at once: the longest prefix wins.
    expect((await preflight('+15125550144')).body).toMatchObject({ price_per_minute_cents: '84', hold_cents: 840 });
    expect((await preflight('+12125550144')).body.price_per_minute_cents).toBe('0.63');

    const updated = await admin('rate:set', 'US', '1512', '--millicents', '30000');
    expect(updated).toMatchObject({ description: 'United States, Austin', carrier_cost_per_minute_millicents: 30_000 });
    expect((await preflight('+15125550144')).body.price_per_minute_cents).toBe('42');
    const listed = await admin('rate:list', '--country', 'US');
    expect(listed.map((r: { prefix: string; carrier_cost_per_minute_millicents: number }) => [r.prefix, r.carrier_cost_per_minute_millicents])).toEqual([['1', 450], ['1512', 30_000]]);

    // A call placed now is priced at the new rate, and so is an inbound call answered now.
    sim.controls.scriptNextCall('+15125550145', { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
    const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: DID, to: '+15125550145' } });
    expect(placed.status).toBe(201);
    const placedHold = await gw.prisma.creditHold.findUniqueOrThrow({ where: { transactionId: `call:${placed.body.id}` } });
    expect(placedHold.amountCents).toBe(420n);
    const rung = await rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '+14155550123', to: DID, ring_timeout_secs: 600 } });
    expect((await rest(gw.url, 'POST', `/v1/calls/${rung.body.id}/actions/answer`, { key: t.key })).status).toBe(200);
    expect((await gw.prisma.creditHold.findUniqueOrThrow({ where: { transactionId: `call:${rung.body.id}` } })).amountCents).toBe(420n);
    for (const id of [placed.body.id, rung.body.id]) await rest(gw.url, 'POST', `/v1/calls/${id}/actions/hangup`, { key: t.key });

    const retired = await admin('rate:retire', 'US', '1512');
    expect(retired.retired_at).toEqual(expect.any(String));
    expect((await preflight('+15125550144')).body.price_per_minute_cents).toBe('0.63');
    expect((await admin('rate:list', '--country', 'US')).map((r: { prefix: string }) => r.prefix)).toEqual(['1']);
    expect((await admin('rate:list', '--country', 'US', '--include-retired')).map((r: { prefix: string }) => r.prefix)).toEqual(['1', '1512']);

    const audit = await rateAudit();
    expect(audit.map((a) => [a.action, a.resourceId, a.tenantId, a.actor])).toEqual([
      ['destination_rate.created', 'US:1512', null, 'admin_cli'],
      ['destination_rate.updated', 'US:1512', null, 'admin_cli'],
      ['destination_rate.retired', 'US:1512', null, 'admin_cli'],
    ]);
    expect(audit[1].before).toMatchObject({ carrier_cost_per_minute_millicents: 60_000 });
    expect(audit[1].after).toMatchObject({ carrier_cost_per_minute_millicents: 30_000 });
    // A tenant's audit log never shows them.
    const tenantAudit = await rest(gw.url, 'GET', '/v1/audit?limit=200', { key: t.key });
    expect(tenantAudit.body.data.some((e: { resource_type: string }) => e.resource_type === 'destination_rate')).toBe(false);
  }, CLI_RUNS_TIMEOUT_MS);

  it('refuses bad input with a message, a non-zero exit, and nothing changed', async () => {
    const before = [await gw.prisma.destinationRate.count(), (await rateAudit()).length];
    const refused = async (...args: string[]) => (await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: gw.databaseUrl } }).then(() => ({ code: 0, stderr: '' }), (e) => e)) as { code: number; stderr: string };
    expect(await refused('rate:set', 'US', '1x', '--millicents', '5', '--description', 'x')).toMatchObject({ code: 1, stderr: expect.stringContaining('prefix') });
    expect(await refused('rate:set', 'US', '1512', '--millicents', '-5', '--description', 'x')).toMatchObject({ code: 1, stderr: expect.stringContaining('--millicents') });
    expect(await refused('rate:retire', 'US', '1999')).toMatchObject({ code: 1, stderr: expect.stringContaining('no destination rate') });
    expect([await gw.prisma.destinationRate.count(), (await rateAudit()).length]).toEqual(before);
  }, CLI_RUNS_TIMEOUT_MS);

  it('validates country, prefix, price and description', async () => {
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)));
    const set = (change: Partial<Parameters<typeof setDestinationRate>[2]>) =>
      codeOf(setDestinationRate(gw.prisma, operator, { countryCode: 'IS', prefix: '354', description: 'Iceland', carrierCostPerMinuteMillicents: 1500, ...change }));
    expect(await set({ countryCode: 'is' })).toMatch(/^invalid_request: country_code/);
    expect(await set({ countryCode: 'XX' })).toMatch(/^invalid_request: XX is not a country/);
    expect(await set({ prefix: '0354' })).toMatch(/^invalid_request: prefix/);
    expect(await set({ prefix: '1354' })).toMatch(/^invalid_request: A prefix of IS starts with its calling code \(354\)/);
    expect(await set({ prefix: '3'.repeat(16) })).toMatch(/^invalid_request: prefix/);
    expect(await set({ carrierCostPerMinuteMillicents: -1 })).toMatch(/^invalid_request: The carrier cost/);
    expect(await set({ carrierCostPerMinuteMillicents: 1.5 })).toMatch(/^invalid_request: The carrier cost/);
    expect(await set({ carrierCostPerMinuteMillicents: 10_000_001 })).toMatch(/^invalid_request: The carrier cost/);
    expect(await set({ description: undefined })).toMatch(/^invalid_request: A new rate needs a description/);
    expect(await set({ description: ' ' })).toMatch(/^invalid_request: description/);
    expect(await gw.prisma.destinationRate.count({ where: { countryCode: 'IS' } })).toBe(0);

    // Iceland is not sold until it has a rate; a free rate (0) is a price like any other.
    expect((await preflight('+3545551234')).body.code).toBe('no_pricing_tier_configured');
    expect(await set({ carrierCostPerMinuteMillicents: 0 })).toBe('ok');
    expect((await preflight('+3545551234')).body).toMatchObject({ passed: true, price_per_minute_cents: '0' });
    expect(await codeOf(retireDestinationRate(gw.prisma, operator, 'IS', '354'))).toBe('ok');
    expect((await preflight('+3545551234')).body.code).toBe('no_pricing_tier_configured');
    // Retiring again changes nothing; setting it again brings it back.
    const audited = (await rateAudit()).length;
    expect(await codeOf(retireDestinationRate(gw.prisma, operator, 'IS', '354'))).toBe('ok');
    expect((await rateAudit()).length).toBe(audited);
    expect(await set({ carrierCostPerMinuteMillicents: 1500 })).toBe('ok');
    expect((await preflight('+3545551234')).body.price_per_minute_cents).toBe('2.1');
    expect(await codeOf(retireDestinationRate(gw.prisma, operator, 'IS', '3547'))).toMatch(/^not_found/);
  });

  it('operators setting the same new prefix at once: one creates it, the others update it', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => setDestinationRate(gw.prisma, operator, { countryCode: 'IS', prefix: '3548', description: `Iceland, mobile ${n}`, carrierCostPerMinuteMillicents: 1000 * n })));
    expect(results).toHaveLength(5);
    const audit = (await rateAudit()).filter((a) => a.resourceId === 'IS:3548');
    expect(audit.map((a) => a.action).sort()).toEqual(['destination_rate.created', ...Array(4).fill('destination_rate.updated')]);
    // The last change applied is the one the table holds.
    const last = audit[audit.length - 1].after as { carrier_cost_per_minute_millicents: number };
    expect((await gw.prisma.destinationRate.findUniqueOrThrow({ where: { countryCode_prefix: { countryCode: 'IS', prefix: '3548' } } })).carrierCostPerMinuteMillicents).toBe(last.carrier_cost_per_minute_millicents);
  });
});
