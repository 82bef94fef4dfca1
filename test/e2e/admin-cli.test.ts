import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rest, startTestGateway, TestGateway } from '../helpers/gateway';

// The admin CLI as support runs it (`npm run admin -- …`, here the built dist/ that `npm test` builds first).
const CLI = join(__dirname, '../../dist/src/admin/cli.js');
const run = promisify(execFile);
// A dozen CLI processes in one test, each loading the app from cold: on a loaded 2-core machine that alone can
// pass jest's default 30 s.
const CLI_RUNS_TIMEOUT_MS = 300_000;

describe('admin CLI', () => {
  let gw: TestGateway;
  const admin = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: gw.databaseUrl } });
    return JSON.parse(stdout);
  };

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('creates a tenant and a key that works; revokes it; suspends and reactivates; sets quotas', async () => {
    const tenant = await admin('tenant:create', '--name', 'Cli Co', '--credit-limit-cents', '2500');
    expect(tenant).toMatchObject({ name: 'Cli Co', status: 'active' });

    const key = await admin('key:create', tenant.id, '--scopes', 'billing:read', '--name', 'ops');
    expect(key.key).toMatch(/^vpk_/);
    const account = await rest(gw.url, 'GET', '/v1/account', { key: key.key });
    expect(account.body).toEqual({ tenant: { id: tenant.id, name: 'Cli Co' }, balance: { amount_cents: 0, currency: 'USD', credit_limit_cents: 2500 } });

    await admin('quota:set', tenant.id, '--concurrent-call-cap', '3', '--countries-allowed', 'US,GB', '--prefixes-blocked', '1900');
    const quota = await rest(gw.url, 'GET', '/v1/quota', { key: key.key });
    expect(quota.body).toMatchObject({ concurrent_call_cap: 3, countries_allowed: ['US', 'GB'], prefixes_blocked: ['1900'] });

    const adjusted = await admin('ledger:adjust', tenant.id, '--amount-cents', '1250', '--reason', 'goodwill credit');
    expect(adjusted.balance_after_cents).toBe(1250);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: key.key })).body.balance.amount_cents).toBe(1250);
    expect(await admin('ledger:verify')).toEqual({ ok: true, mismatches: [] });

    expect(await admin('tenant:set-markup', tenant.id, '--bps', '2500')).toEqual({ id: tenant.id, markup_override_bps: 2500 });
    expect((await gw.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).markupOverrideBps).toBe(2500);

    await admin('tenant:suspend', tenant.id);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: key.key })).body.error.code).toBe('tenant_suspended');
    await admin('tenant:activate', tenant.id);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: key.key })).status).toBe(200);

    await admin('key:revoke', tenant.id, key.id);
    expect((await rest(gw.url, 'GET', '/v1/account', { key: key.key })).body.error.code).toBe('invalid_credentials');

    const listed = await admin('tenant:list');
    expect(JSON.stringify(listed)).not.toContain(key.key);
    const audit = await gw.prisma.auditEntry.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['tenant.created', 'api_key.created', 'quota.updated', 'balance.adjusted', 'tenant.markup_overridden', 'tenant.suspended', 'tenant.reactivated', 'api_key.revoked']);
    expect(audit.every((a) => a.actor === 'admin_cli')).toBe(true);
  }, CLI_RUNS_TIMEOUT_MS);

  it('refuses bad input with a message and a non-zero exit', async () => {
    await expect(admin('quota:set', '00000000-0000-4000-8000-000000000000', '--countries-allowed', 'usa')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('countries_allowed') });
    await expect(admin('bogus')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown command bogus') });
  });
});
