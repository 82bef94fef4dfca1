import { recordAudit } from '../audit/audit.service';
import { Db } from '../platform/db/client';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { inTransaction } from '../platform/db/transaction';
import { invalidRequest } from '../platform/errors';
import { Actor, requireScope } from '../platform/auth/scopes';

export interface QuotaView {
  dailySpendCapCents: bigint;
  concurrentCallCap: number;
  countriesAllowed: string[];
  countriesBlocked: string[];
  prefixesBlocked: string[];
  allowCallerIdForwarding: boolean;
}

export type QuotaChange = Partial<QuotaView>;

const COUNTRY = /^[A-Z]{2}$/;
const PREFIX = /^\+?[0-9]{1,15}$/;

const SELECT = {
  dailySpendCapCents: true,
  concurrentCallCap: true,
  countriesAllowed: true,
  countriesBlocked: true,
  prefixesBlocked: true,
  allowCallerIdForwarding: true,
} as const;

/** The tenant's hard limits (GET /v1/quota, the `quota` query). */
export async function getQuota(deps: ServiceDeps, actor: Actor): Promise<QuotaView> {
  requireScope(actor, 'billing:read');
  return readQuota(deps.db, actor.tenantId);
}

/** A tenant's limits, for the rules that enforce them (placing a call checks them); no scope check. */
export async function readQuota(db: Db, tenantId: string): Promise<QuotaView> {
  const found = await db.tenantQuota.findUnique({ where: { tenantId }, select: SELECT });
  if (found) return found;
  // Every tenant is created with its quota row; this keeps tenants made before that rule working.
  return db.tenantQuota.upsert({ where: { tenantId }, create: { tenantId }, update: {}, select: SELECT });
}

/** Cap changes are admin-only: support raises a ceiling, a tenant's own keys cannot. */
export async function setQuota(deps: ServiceDeps, actor: Actor, change: QuotaChange): Promise<QuotaView> {
  requireScope(actor, 'admin');
  validate(change);
  return inTransaction(deps.db, async (tx) => {
    const before = await getQuota(withDb(deps, tx), actor);
    const after = await tx.tenantQuota.update({ where: { tenantId: actor.tenantId }, data: { ...change, updatedAt: new Date() }, select: SELECT });
    const changed = (Object.keys(change) as (keyof QuotaView)[]).filter((k) => JSON.stringify(String(before[k])) !== JSON.stringify(String(after[k])));
    if (changed.length) {
      await recordAudit(tx, actor, {
        action: 'quota.updated',
        resourceType: 'quota',
        resourceId: actor.tenantId,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
      });
    }
    return after;
  });
}

function validate(change: QuotaChange): void {
  if (change.dailySpendCapCents !== undefined && change.dailySpendCapCents < 0n) throw invalidRequest('daily_spend_cap_cents must be ≥ 0', 'daily_spend_cap_cents');
  if (change.concurrentCallCap !== undefined && (!Number.isInteger(change.concurrentCallCap) || change.concurrentCallCap < 0)) {
    throw invalidRequest('concurrent_call_cap must be a whole number ≥ 0', 'concurrent_call_cap');
  }
  for (const field of ['countriesAllowed', 'countriesBlocked'] as const) {
    const bad = change[field]?.find((c) => !COUNTRY.test(c));
    if (bad !== undefined) throw invalidRequest(`${snake(field)} takes ISO 3166 alpha-2 codes; "${bad}" is not one`, snake(field));
  }
  const badPrefix = change.prefixesBlocked?.find((p) => !PREFIX.test(p));
  if (badPrefix !== undefined) throw invalidRequest(`prefixes_blocked takes digit prefixes; "${badPrefix}" is not one`, 'prefixes_blocked');
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
