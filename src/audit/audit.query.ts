import { Actor, requireScope } from '../platform/auth/scopes';
import { invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { MAX_PAGE_SIZE, Page, pageSize } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';

export interface AuditFilter {
  resourceType?: string | null;
  resourceId?: string | null;
  /** `api_key:<id>`, a bare key id, `system` or `admin_cli`: who acted. */
  actor?: string | null;
  /** Inclusive lower bound, exclusive upper bound of created_at. */
  from?: Date | null;
  to?: Date | null;
}

export interface AuditEntryView {
  id: string;
  actor: string;
  actorKeyId: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: Date;
}

// audit_log's id is a bigint sequence, in insertion order: the cursor is the last id seen (newest first).
function encodeAuditCursor(id: bigint): string {
  return Buffer.from(`audit|${id}`).toString('base64url');
}

function decodeAuditCursor(cursor: string): bigint {
  const [tag, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (tag !== 'audit' || !id || !/^\d{1,19}$/.test(id)) throw invalidRequest('cursor is not one this API returned', 'cursor');
  return BigInt(id);
}

/** The tenant's audit log, newest first: every state change with who, what (before/after), when and the request id. */
export async function listAuditEntries(deps: ServiceDeps, actor: Actor, filter: AuditFilter, page: { first?: number | null; after?: string | null }): Promise<Page<AuditEntryView>> {
  requireScope(actor, 'audit:read');
  const size = pageSize(page.first ?? null);
  if (filter.from && filter.to && filter.from >= filter.to) throw invalidRequest('from must be before to', 'from');
  const who = filter.actor ? (isUuid(filter.actor) ? { actorKeyId: filter.actor } : { actor: filter.actor }) : {};
  const rows = await deps.db.auditEntry.findMany({
    where: {
      tenantId: actor.tenantId,
      ...(filter.resourceType ? { resourceType: filter.resourceType } : {}),
      ...(filter.resourceId ? { resourceId: filter.resourceId } : {}),
      ...who,
      ...(filter.from || filter.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
      ...(page.after ? { id: { lt: decodeAuditCursor(page.after) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: Math.min(size, MAX_PAGE_SIZE) + 1,
  });
  const nodes = rows.slice(0, size);
  return {
    nodes: nodes.map((r) => ({ ...r, id: r.id.toString() })),
    hasNextPage: rows.length > size,
    endCursor: nodes.length ? encodeAuditCursor(nodes[nodes.length - 1].id) : null,
  };
}
