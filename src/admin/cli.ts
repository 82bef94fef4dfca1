import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setQuota, QuotaChange } from '../billing/quota.service';
import { adjustBalance } from '../billing/adjustment.service';
import { verifyLedger } from '../billing/ledger.service';
import { setMarkupOverride } from '../billing/plans.service';
import { refundPaymentCommand, runMonthlyBillingCommand } from './billing-commands';
import { listRatesCommand, retireRateCommand, setRateCommand } from './rate-commands';
import { loadConfig } from '../config';
import { systemClock } from '../platform/clock';
import { createGatewayPubSub } from '../platform/pubsub';
import { systemActor } from '../platform/auth/scopes';
import { createPrismaClient, PrismaClient } from '../platform/db/client';
import { startEmbeddedPostgres } from '../platform/db/embedded';
import { migrate } from '../platform/db/migrator';
import { ApiError } from '../platform/errors';
import { createApiKey, createTenant, listTenants, revokeApiKey, setTenantStatus } from '../tenants/tenant.service';

// Support's tool: there is no sign-up page, so tenants, keys and quotas are managed here.
const USAGE = `usage: npm run admin -- <command> [options]

  tenant:create --name <name> [--credit-limit-cents <n>]
  tenant:list
  tenant:suspend <tenant-id>
  tenant:activate <tenant-id>
  tenant:set-markup <tenant-id> --bps <basis points | none>   (wins over the plan's markup)
  key:create <tenant-id> --scopes <a,b,...> [--name <name>] [--expires-at <ISO date>]
  key:revoke <tenant-id> <key-id>
  ledger:adjust <tenant-id> --amount-cents <n, may be negative> --reason <text>
  ledger:verify                     (exits 1 when a balance disagrees with its ledger)
  quota:set <tenant-id> [--daily-spend-cap-cents <n>] [--concurrent-call-cap <n>]
            [--countries-allowed US,CA] [--countries-blocked XX,YY] [--prefixes-blocked 1900,44]
            [--allow-caller-id-forwarding true|false]
  billing:run-monthly [--period YYYY-MM]   (default: the month that ended last; exits 1 when incomplete)
  payment:refund <tenant-id> <payment-id> [--amount-cents <n>]   (default: all that is left)
  rate:list [--country US] [--include-retired]
  rate:set <country> <prefix> --millicents <n> [--description <text>]   (create, or update by country and prefix)
  rate:retire <country> <prefix>   (prices nothing from now on; rate:set brings it back)

Uses DATABASE_URL, else the running gateway's embedded database, else starts the embedded one.`;

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
const whole = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ApiError('invalid_request', `--${name} must be a whole number`);
  return v;
};

async function run(prisma: PrismaClient, argv: string[]): Promise<unknown> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      reason: { type: 'string' },
      bps: { type: 'string' },
      'amount-cents': { type: 'string' },
      'credit-limit-cents': { type: 'string' },
      scopes: { type: 'string' },
      'expires-at': { type: 'string' },
      'daily-spend-cap-cents': { type: 'string' },
      'concurrent-call-cap': { type: 'string' },
      'countries-allowed': { type: 'string' },
      'countries-blocked': { type: 'string' },
      'prefixes-blocked': { type: 'string' },
      'allow-caller-id-forwarding': { type: 'string' },
      period: { type: 'string' },
      country: { type: 'string' },
      'include-retired': { type: 'boolean' },
      millicents: { type: 'string' },
      description: { type: 'string' },
    },
  });
  const [command, tenantId, other] = positionals;
  const services = () => ({ db: prisma, pubSub: createGatewayPubSub(), clock: systemClock });
  const actor = () => {
    if (!tenantId) throw new ApiError('invalid_request', `${command} needs a tenant id`);
    return systemActor(tenantId, `cli-${Date.now()}`, 'admin_cli');
  };
  switch (command) {
    case 'tenant:create': {
      if (!values.name) throw new ApiError('invalid_request', '--name is required');
      const limit = whole(values['credit-limit-cents'], 'credit-limit-cents');
      const t = await createTenant(prisma, { name: values.name, creditLimitCents: limit === undefined ? undefined : BigInt(limit) }, `cli-${Date.now()}`);
      return { id: t.id, name: t.name, status: t.status };
    }
    case 'tenant:list':
      return (await listTenants(prisma)).map((t) => ({
        id: t.id,
        name: t.name,
        status: t.status,
        balance_cents: Number(t.balanceCents),
        keys: t.apiKeys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, revoked: !!k.revokedAt, expires_at: k.expiresAt })),
      }));
    case 'tenant:suspend':
    case 'tenant:activate':
      await setTenantStatus(prisma, actor(), command === 'tenant:suspend' ? 'suspended' : 'active');
      return { id: tenantId, status: command === 'tenant:suspend' ? 'suspended' : 'active' };
    case 'key:create': {
      const expiresAt = values['expires-at'] ? new Date(values['expires-at']) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new ApiError('invalid_request', '--expires-at must be an ISO date');
      const key = await createApiKey(prisma, actor(), { name: values.name ?? 'cli', scopes: list(values.scopes) ?? [], expiresAt });
      return { id: key.id, scopes: key.scopes, expires_at: key.expiresAt, key: key.plaintext, note: 'shown once; store it now' };
    }
    case 'key:revoke':
      if (!other) throw new ApiError('invalid_request', 'key:revoke needs <tenant-id> <key-id>');
      return revokeApiKey(prisma, actor(), other);
    case 'ledger:adjust': {
      const raw = values['amount-cents'];
      if (!raw || !/^-?\d+$/.test(raw)) throw new ApiError('invalid_request', '--amount-cents must be a whole number of cents');
      const entry = await adjustBalance(services(), actor(), BigInt(raw), values.reason ?? '');
      return { ledger_entry_id: entry.id, balance_after_cents: entry.balanceAfterCents };
    }
    case 'ledger:verify': {
      const mismatches = await verifyLedger(prisma);
      if (mismatches.length) process.exitCode = 1;
      return { ok: mismatches.length === 0, mismatches };
    }
    case 'quota:set': {
      const change: QuotaChange = {};
      const cap = whole(values['daily-spend-cap-cents'], 'daily-spend-cap-cents');
      if (cap !== undefined) change.dailySpendCapCents = BigInt(cap);
      const calls = whole(values['concurrent-call-cap'], 'concurrent-call-cap');
      if (calls !== undefined) change.concurrentCallCap = Number(calls);
      if (values['countries-allowed'] !== undefined) change.countriesAllowed = list(values['countries-allowed']);
      if (values['countries-blocked'] !== undefined) change.countriesBlocked = list(values['countries-blocked']);
      if (values['prefixes-blocked'] !== undefined) change.prefixesBlocked = list(values['prefixes-blocked']);
      const fwd = values['allow-caller-id-forwarding'];
      if (fwd !== undefined) {
        if (fwd !== 'true' && fwd !== 'false') throw new ApiError('invalid_request', '--allow-caller-id-forwarding takes true or false');
        change.allowCallerIdForwarding = fwd === 'true';
      }
      const q = await setQuota(services(), actor(), change);
      return { ...q, dailySpendCapCents: Number(q.dailySpendCapCents) };
    }
    case 'tenant:set-markup': {
      const raw = values.bps;
      if (raw === undefined || !(raw === 'none' || /^\d+$/.test(raw))) throw new ApiError('invalid_request', '--bps takes whole basis points (3000 = 30%) or none');
      await setMarkupOverride(services(), actor(), raw === 'none' ? null : Number(raw));
      return { id: tenantId, markup_override_bps: raw === 'none' ? null : Number(raw) };
    }
    case 'billing:run-monthly':
      return runMonthlyBillingCommand(prisma, values.period);
    case 'payment:refund':
      return refundPaymentCommand(prisma, tenantId, other, values['amount-cents']);
    // Destination rates belong to no tenant: the positionals are <country> <prefix>.
    case 'rate:list':
      return listRatesCommand(prisma, values.country, values['include-retired']);
    case 'rate:set':
      return setRateCommand(prisma, tenantId, other, values.millicents, values.description);
    case 'rate:retire':
      return retireRateCommand(prisma, tenantId, other);
    default:
      throw new ApiError('invalid_request', command ? `unknown command ${command}` : 'no command given');
  }
}

async function main() {
  const config = loadConfig();
  const dataDir = resolve(config.dataDir);
  const runningUrl = join(dataDir, 'database-url');
  const known = config.databaseUrl ?? (existsSync(runningUrl) ? readFileSync(runningUrl, 'utf8').trim() : undefined);
  const embedded = known ? undefined : await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres') });
  const url = known ?? embedded!.url;
  await migrate(url);
  // Four: a billing run holds two advisory-lock transactions (the run's, the invoice's) while it works.
  const prisma = createPrismaClient({ url, poolSize: 4 });
  try {
    const out = await run(prisma, process.argv.slice(2));
    process.stdout.write(`${JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
  } catch (err) {
    const message = err instanceof ApiError || err instanceof TypeError ? err.message : String(err);
    process.stderr.write(`${message}\n\n${USAGE}\n`);
    process.exitCode = 1;
  } finally {
    await prisma.$disconnect();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
