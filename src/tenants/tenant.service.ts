import { recordAudit } from '../audit/audit.service';
import { Db } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { notifyOnCommit } from '../platform/db/notify';
import { ApiError, invalidRequest } from '../platform/errors';
import { mintApiKey } from '../platform/auth/api-key-format';
import { Actor, isScope, requireScope, Scope, SCOPES, systemActor } from '../platform/auth/scopes';
import { isUuid } from '../platform/ids';

// Tenant and API-key administration. There is no sign-up page: support creates tenants and keys with the
// admin CLI, which calls these functions.

export interface NewApiKey {
  id: string;
  /** Shown once, at creation; only its hash is stored. */
  plaintext: string;
  scopes: Scope[];
  expiresAt: Date | null;
}

export async function createTenant(db: Db, input: { name: string; creditLimitCents?: bigint }, requestId: string) {
  const name = input.name.trim();
  if (!name || name.length > 200) throw invalidRequest('name must be 1 to 200 characters', 'name');
  return inTransaction(db, async (tx) => {
    const tenant = await tx.tenant.create({
      // Every tenant has a default connection from birth (numbers and webhooks can be scoped to connections).
      data: { name, creditLimitCents: input.creditLimitCents ?? 0n, quota: { create: {} }, connections: { create: { name: 'Default', isDefault: true } } },
    });
    await recordAudit(tx, systemActor(tenant.id, requestId, 'admin_cli'), {
      action: 'tenant.created',
      resourceType: 'tenant',
      resourceId: tenant.id,
      after: { name, credit_limit_cents: tenant.creditLimitCents },
    });
    return tenant;
  });
}

export async function createApiKey(
  db: Db,
  actor: Actor,
  input: { name: string; scopes: string[]; expiresAt?: Date | null },
): Promise<NewApiKey> {
  requireScope(actor, 'admin');
  const name = input.name.trim();
  if (!name || name.length > 100) throw invalidRequest('name must be 1 to 100 characters', 'name');
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (unknown.length) throw invalidRequest(`unknown scopes: ${unknown.join(', ')}; valid: ${SCOPES.join(', ')}`, 'scopes');
  if (input.scopes.length === 0) throw invalidRequest('a key needs at least one scope', 'scopes');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw invalidRequest('expires_at must be in the future', 'expires_at');
  const minted = mintApiKey();
  const scopes = [...new Set(input.scopes)] as Scope[];
  return inTransaction(db, async (tx) => {
    await requireTenant(tx, actor.tenantId);
    const key = await tx.apiKey.create({
      data: {
        tenantId: actor.tenantId,
        prefix: minted.prefix,
        secretHash: minted.secretHash,
        name,
        scopes,
        expiresAt: input.expiresAt ?? null,
      },
    });
    await recordAudit(tx, actor, {
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: key.id,
      after: { name: key.name, scopes, prefix: key.prefix, expires_at: key.expiresAt },
    });
    return { id: key.id, plaintext: minted.plaintext, scopes, expiresAt: key.expiresAt };
  });
}

/**
 * HTTP requests with the key are refused as soon as this commits; the notice it sends with the commit makes every
 * gateway instance close the WebSockets opened with the key, whoever revoked it (the API or the admin CLI).
 */
export async function revokeApiKey(db: Db, actor: Actor, keyId: string) {
  requireScope(actor, 'admin');
  return inTransaction(db, async (tx) => {
    // Another tenant's key answers exactly like a missing one.
    const key = isUuid(keyId) ? await tx.apiKey.findFirst({ where: { id: keyId, tenantId: actor.tenantId } }) : null;
    if (!key) throw new ApiError('not_found', 'API key not found');
    if (!key.revokedAt) {
      await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
      await recordAudit(tx, actor, { action: 'api_key.revoked', resourceType: 'api_key', resourceId: key.id, before: { revoked: false }, after: { revoked: true } });
    }
    // Also when it was revoked already: closing sockets that are closed already costs nothing, and a socket a
    // listener missed the first notice for is closed now rather than at the next re-check.
    await notifyOnCommit(tx, 'voepy_api_key_revoked', { tenantId: key.tenantId, keyId: key.id });
    return { id: key.id, name: key.name, scopes: key.scopes, expiresAt: key.expiresAt };
  });
}

/** Suspending also closes the tenant's open WebSockets on every gateway instance (a notice sent with the commit). */
export async function setTenantStatus(db: Db, actor: Actor, status: 'active' | 'suspended'): Promise<void> {
  await inTransaction(db, async (tx) => {
    const tenant = await requireTenant(tx, actor.tenantId);
    // Also when suspended already, for the same reason as a repeated revocation.
    if (status === 'suspended') await notifyOnCommit(tx, 'voepy_tenant_suspended', { tenantId: tenant.id });
    if (tenant.status === status) return;
    await tx.tenant.update({ where: { id: tenant.id }, data: { status, updatedAt: new Date() } });
    await recordAudit(tx, actor, { action: `tenant.${status === 'active' ? 'reactivated' : 'suspended'}`, resourceType: 'tenant', resourceId: tenant.id, before: { status: tenant.status }, after: { status } });
  });
}

export async function listTenants(db: Db) {
  return db.tenant.findMany({ orderBy: { createdAt: 'asc' }, include: { apiKeys: { orderBy: { createdAt: 'asc' } } } });
}

async function requireTenant(db: Db, tenantId: string) {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId } });
  if (!tenant) throw new ApiError('not_found', `Tenant ${tenantId} not found`);
  return tenant;
}
