import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { columns } from '../platform/db/columns';
import { sqlOf } from '../platform/db/sql';
import { inTransaction } from '../platform/db/transaction';
import { isUuid } from '../platform/ids';
import { ApiError, invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';

export interface ConnectionView {
  id: string;
  name: string;
  isDefault: boolean;
  createdAt: Date;
}

const SELECT = { id: true, name: true, isDefault: true, createdAt: true } as const;

/** The tenant's default connection (GET /v1/connection). Every tenant has one from creation. */
export async function getDefaultConnection(deps: ServiceDeps, actor: Actor): Promise<ConnectionView> {
  requireScope(actor, 'numbers:read');
  const found = await deps.db.connection.findFirst({ where: { tenantId: actor.tenantId, isDefault: true }, select: SELECT });
  if (!found) throw new ApiError('not_found', 'The tenant has no default connection');
  return found;
}

/** Every connection the tenant owns, default first (GET /v1/connections). */
export async function listConnections(deps: ServiceDeps, actor: Actor): Promise<ConnectionView[]> {
  requireScope(actor, 'numbers:read');
  return deps.db.connection.findMany({ where: { tenantId: actor.tenantId }, orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }], select: SELECT });
}

/** Connections by id, scoped to one tenant (the loader's batch). */
export async function connectionsByIds(db: Db, tenantId: string, ids: readonly string[]): Promise<ConnectionView[]> {
  const sql = sqlOf(db);
  if (!sql) return db.connection.findMany({ where: { tenantId, id: { in: [...ids] } }, select: SELECT });
  const rows = await sql.rows(`SELECT ${CONNECTION_COLUMNS.list('c')} FROM connections c WHERE c.tenant_id = $1::uuid AND c.id = ANY($2::uuid[])`, [tenantId, ids]);
  return rows.map(CONNECTION_COLUMNS.map);
}

/** SELECT as hand-written SQL, for the loader a page of numbers or calls goes through. */
export const CONNECTION_COLUMNS = columns<ConnectionView>({ id: 'id', name: 'name', isDefault: 'is_default', createdAt: 'created_at' });

function validName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > 100) throw invalidRequest('name must be 1 to 100 characters', 'name');
  return trimmed;
}

/** POST /v1/connections: another (non-default) connection; numbers are assigned to it by PATCH. */
export async function createConnection(deps: ServiceDeps, actor: Actor, name: string): Promise<ConnectionView> {
  requireScope(actor, 'numbers:write');
  const clean = validName(name);
  return inTransaction(deps.db, async (tx) => {
    const created = await tx.connection.create({ data: { tenantId: actor.tenantId, name: clean }, select: SELECT });
    await recordAudit(tx, actor, { action: 'connection.created', resourceType: 'connection', resourceId: created.id, after: { name: clean } });
    return created;
  });
}

/** PATCH /v1/connections/{id}: renames one of the tenant's connections. */
export async function renameConnection(deps: ServiceDeps, actor: Actor, id: string, name: string): Promise<ConnectionView> {
  requireScope(actor, 'numbers:write');
  const clean = validName(name);
  if (!isUuid(id)) throw new ApiError('not_found', 'Connection not found');
  return inTransaction(deps.db, async (tx) => {
    const found = await tx.connection.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT });
    if (!found) throw new ApiError('not_found', 'Connection not found');
    const renamed = await tx.connection.update({ where: { id }, data: { name: clean }, select: SELECT });
    await recordAudit(tx, actor, { action: 'connection.renamed', resourceType: 'connection', resourceId: id, before: { name: found.name }, after: { name: clean } });
    return renamed;
  });
}
