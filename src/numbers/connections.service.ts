import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { ApiError } from '../platform/errors';
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
  return db.connection.findMany({ where: { tenantId, id: { in: [...ids] } }, select: SELECT });
}
