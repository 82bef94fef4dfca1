import { Prisma } from '../generated/prisma/client';
import { Actor } from '../platform/auth/scopes';

export interface AuditChange {
  action: string;
  resourceType: string;
  resourceId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Appends one audit row. Call it with the transaction client of the change it describes, so the row exists
 * exactly when the change does. Callers pass only the changed, non-secret fields.
 */
export async function recordAudit(tx: Prisma.TransactionClient, actor: Actor, change: AuditChange): Promise<void> {
  await appendAudit(tx, { tenantId: actor.tenantId, ...auditActor(actor) }, change);
}

/** Who made a change, as the audit row names them (also for a statement that writes its audit row itself). */
export function auditActor(actor: Actor): { actorKeyId: string | null; actor: string; requestId: string } {
  return { actorKeyId: actor.keyId, actor: actor.keyId ? `api_key:${actor.keyId}` : (actor.label ?? 'system'), requestId: actor.requestId };
}

/** An audit row's before/after as JSON text, for a statement that writes its audit row itself. */
export function auditJsonText(value: Record<string, unknown>): string {
  return JSON.stringify(value, bigintAsNumber);
}

/**
 * The same audit row as recordAudit, as an INSERT to run inside another statement (a CTE of the change's own
 * statement), so the change and its audit row cost one round trip.
 */
export function auditRowInsert(actor: Actor, change: AuditChange): Prisma.Sql {
  const who = auditActor(actor);
  const json = (value: Record<string, unknown> | null | undefined) => (value ? auditJsonText(value) : null);
  return Prisma.sql`
    INSERT INTO audit_log (tenant_id, actor_key_id, actor, action, resource_type, resource_id, before, after, request_id, created_at)
    VALUES (${actor.tenantId}::uuid, ${who.actorKeyId}::uuid, ${who.actor}, ${change.action}, ${change.resourceType}, ${change.resourceId},
            ${json(change.before)}::jsonb, ${json(change.after)}::jsonb, ${who.requestId}, ${new Date()}::timestamptz)`;
}

/** Who changes what belongs to no tenant (destination rates): an operator tool, named in the audit row. */
export interface PlatformActor {
  label: string;
  requestId: string;
}

/** Appends one audit row for a change to what belongs to no tenant; no tenant's audit log shows it. */
export async function recordPlatformAudit(tx: Prisma.TransactionClient, actor: PlatformActor, change: AuditChange): Promise<void> {
  await appendAudit(tx, { tenantId: null, actorKeyId: null, actor: actor.label, requestId: actor.requestId }, change);
}

async function appendAudit(
  tx: Prisma.TransactionClient,
  who: { tenantId: string | null; actorKeyId: string | null; actor: string; requestId: string },
  change: AuditChange,
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      ...who,
      action: change.action,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      before: toJson(change.before),
      after: toJson(change.after),
    },
  });
}

function toJson(value: Record<string, unknown> | null | undefined): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (!value) return Prisma.DbNull;
  // BigInt cents and Dates are written in the same form the APIs show them.
  return JSON.parse(JSON.stringify(value, bigintAsNumber));
}

function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
