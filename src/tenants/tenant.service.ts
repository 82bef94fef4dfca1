import { recordAudit } from '../audit/audit.service';
import { Db } from '../platform/db/client';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import type { PubSub } from '../platform/pubsub';
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
 * `pubSub`: where to announce the revocation once committed, so that every gateway instance closes the WebSockets
 * opened with the key at once. Without it (the admin CLI, which has no bus to the gateways) open sockets are
 * closed by the instances' periodic re-check (WS_KEY_RECHECK_MS); HTTP requests are refused at once either way.
 */
export async function revokeApiKey(db: Db, actor: Actor, keyId: string, pubSub?: Pick<PubSub, 'publish'>) {
  requireScope(actor, 'admin');
  return inTransaction(db, async (tx) => {
    // Another tenant's key answers exactly like a missing one.
    const key = isUuid(keyId) ? await tx.apiKey.findFirst({ where: { id: keyId, tenantId: actor.tenantId } }) : null;
    if (!key) throw new ApiError('not_found', 'API key not found');
    if (!key.revokedAt) {
      await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
      await recordAudit(tx, actor, { action: 'api_key.revoked', resourceType: 'api_key', resourceId: key.id, before: { revoked: false }, after: { revoked: true } });
    }
    // Also when it was revoked already: a notice lost earlier (the bus was down) is sent again, and closing
    // sockets that are already closed costs nothing.
    if (pubSub) afterCommit(tx, () => pubSub.publish('KEY_REVOKED', { tenantId: key.tenantId, keyId: key.id }));
    return { id: key.id, name: key.name, scopes: key.scopes, expiresAt: key.expiresAt };
  });
}

export async function setTenantStatus(db: Db, actor: Actor, status: 'active' | 'suspended'): Promise<void> {
  await inTransaction(db, async (tx) => {
    const tenant = await requireTenant(tx, actor.tenantId);
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
