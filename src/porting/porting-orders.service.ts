import { Prisma } from '../generated/prisma/client';
import { PortingOrderStatus } from '../generated/prisma/enums';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { requireCarrier, validPhoneNumbers } from '../numbers/numbers.shared';
import { priceOf } from '../numbers/pricing.service';
import { addBusinessDays } from './business-days';
import { assessPortability } from './porting-checks.service';
import { DOCUMENT_TYPES } from './porting-documents.service';
import { recordPortingChange } from './porting.events';
import { PORTING_ORDER_INCLUDE, PortingOrderView, portingOrderView } from './porting.view';

// POST /v1/numbers/porting-orders: every check a losing carrier would make is made before anything is stored —
// portability, documents (an LOA and a bill), one account per order, and what the user states against the CSR —
// so a submitted order only fails later for reasons of the carrier's own. The order then moves by itself over
// business days (porting.progress.ts).

/** States in which an order still holds its numbers (and counts as active for the release rule). */
export const OPEN_STATUSES: readonly PortingOrderStatus[] = ['submitted', 'in_process', 'foc_date_confirmed', 'partially_ported'];
const CANCELLABLE: readonly PortingOrderStatus[] = ['submitted', 'in_process', 'foc_date_confirmed'];

export interface PortingOrderInput {
  phoneNumbers: string[];
  documents?: string[] | null;
  userFeedback?: { comment?: string | null } | null;
  /** What the user says the losing carrier's records hold; each given field must match the CSR. */
  endUser?: { entityName?: string | null; accountNumber?: string | null; postalCode?: string | null } | null;
}

const orderNotFound = () => new ApiError('not_found', 'Porting order not found');

/** Comparable form of a CSR field: case, spacing and punctuation do not count. */
const comparable = (value: string) => value.toLowerCase().replace(/[^a-z0-9]/g, '');

export async function createPortingOrder(deps: ServiceDeps, actor: Actor, input: PortingOrderInput): Promise<PortingOrderView> {
  requireScope(actor, 'numbers:write');
  const numbers = validPhoneNumbers(input.phoneNumbers).sort();
  const comment = input.userFeedback?.comment?.trim() || null;
  if (comment && comment.length > 1000) throw invalidRequest('user_feedback.comment is at most 1000 characters', 'user_feedback.comment');

  // Documents: the tenant's own, and at least one of each required type.
  const documentIds = [...new Set(input.documents ?? [])];
  const documents = documentIds.length
    ? await deps.db.portingDocument.findMany({ where: { tenantId: actor.tenantId, id: { in: documentIds.filter(isUuid) } }, select: { id: true, documentType: true } })
    : [];
  const unknown = documentIds.filter((id) => !documents.some((d) => d.id === id));
  if (unknown.length) throw new ApiError('not_found', `Porting document not found: ${unknown.join(', ')}`);
  const missing = DOCUMENT_TYPES.filter((t) => !documents.some((d) => d.documentType === t));
  if (missing.length) {
    throw new ApiError('documents_required', `A porting order needs a signed LOA and a recent bill of the losing carrier; missing: ${missing.join(', ')} (upload with POST /v1/numbers/porting-documents)`);
  }

  const portability = await assessPortability(deps, numbers);
  const refused = portability.filter((p) => !p.portable);
  if (refused.length) throw new ApiError('porting_not_supported', `Not portable: ${refused.map((p) => `${p.phoneNumber} (${p.reason})`).join(', ')}`);
  for (const p of portability) await priceOf(deps.db, p.countryCode, p.numberType!);

  const carrier = requireCarrier(deps);
  const records = await Promise.all(numbers.map((n) => carrier.csrLookup(n)));
  const accounts = new Set(records.map((r) => r?.accountNumber));
  if (accounts.size > 1) throw new ApiError('csr_mismatch', 'The numbers belong to different accounts at the losing carrier; submit one porting order per account');
  const stated = input.endUser ?? {};
  const checks: [keyof NonNullable<PortingOrderInput['endUser']>, string, (r: NonNullable<(typeof records)[number]>) => string][] = [
    ['entityName', 'entity_name', (r) => r.name],
    ['accountNumber', 'account_number', (r) => r.accountNumber],
    ['postalCode', 'postal_code', (r) => r.postalCode],
  ];
  for (const [key, field, of] of checks) {
    const value = stated[key];
    if (value == null) continue;
    const wrong = numbers.filter((_n, i) => comparable(of(records[i]!)) !== comparable(value));
    if (wrong.length) throw new ApiError('csr_mismatch', `end_user.${field} does not match the losing carrier’s Customer Service Record of ${wrong.join(', ')}`);
  }

  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const endUser = input.endUser
      ? { entity_name: stated.entityName ?? null, account_number: stated.accountNumber ?? null, postal_code: stated.postalCode ?? null }
      : Prisma.DbNull;
    const order = await tx.portingOrder.create({
      data: { tenantId: actor.tenantId, comment, endUser, statusChangedAt: now, nextTransitionAt: addBusinessDays(now, 1), createdAt: now },
      select: { id: true },
    });
    for (const p of portability) {
      // The partial unique index admits one open port per number: a concurrent order waits here, then finds it taken.
      const inserted = await tx.$queryRaw<{ e164: string }[]>`
        INSERT INTO porting_order_numbers (porting_order_id, e164, country_code, number_type, fast_portable)
        VALUES (${order.id}::uuid, ${p.phoneNumber}, ${p.countryCode}, ${p.numberType}::number_type, ${p.fastPortable})
        ON CONFLICT (e164) WHERE status = 'pending' DO NOTHING RETURNING e164`;
      if (!inserted.length) throw new ApiError('porting_in_progress', `Another porting order already exists for ${p.phoneNumber}`);
    }
    await tx.portingOrderDocument.createMany({ data: documentIds.map((documentId) => ({ portingOrderId: order.id, documentId })) });
    await recordAudit(tx, actor, {
      action: 'porting_order.created',
      resourceType: 'porting_order',
      resourceId: order.id,
      after: { phone_numbers: numbers, documents: documentIds, comment },
    });
    return recordPortingChange(tx, deps.pubSub, order.id, now);
  });
}

export async function getPortingOrder(deps: ServiceDeps, actor: Actor, id: string): Promise<PortingOrderView> {
  requireScope(actor, 'numbers:read');
  const found = isUuid(id) ? await deps.db.portingOrder.findFirst({ where: { id, tenantId: actor.tenantId }, include: PORTING_ORDER_INCLUDE }) : null;
  if (!found) throw orderNotFound();
  return portingOrderView(found);
}

export async function listPortingOrders(deps: ServiceDeps, actor: Actor, filter: { status?: string | null }, page: PageArgs): Promise<Page<PortingOrderView>> {
  requireScope(actor, 'numbers:read');
  const statuses = Object.values(PortingOrderStatus) as string[];
  if (filter.status && !statuses.includes(filter.status)) throw invalidRequest(`status must be one of ${statuses.join(', ')}`, 'status');
  const found = await paginate(page, (take, cursor) =>
    deps.db.portingOrder.findMany({
      where: { tenantId: actor.tenantId, ...(filter.status ? { status: filter.status as PortingOrderStatus } : {}), ...cursor },
      orderBy: NEWEST_FIRST,
      take,
      include: PORTING_ORDER_INCLUDE,
    }),
  );
  return { ...found, nodes: found.nodes.map(portingOrderView) };
}

/** Cancels an order no number has moved on yet; cancelling a cancelled order answers it again. */
export async function cancelPortingOrder(deps: ServiceDeps, actor: Actor, id: string): Promise<PortingOrderView> {
  requireScope(actor, 'numbers:write');
  if (!isUuid(id)) throw orderNotFound();
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: PortingOrderStatus }[]>`
      SELECT status::text AS status FROM porting_orders WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
    if (!row) throw orderNotFound();
    if (row.status === 'cancelled') return portingOrderView(await tx.portingOrder.findUniqueOrThrow({ where: { id }, include: PORTING_ORDER_INCLUDE }));
    if (!CANCELLABLE.includes(row.status)) throw new ApiError('conflict', `A ${row.status} porting order cannot be cancelled: numbers have already moved`);
    const now = deps.clock.now();
    await tx.portingOrder.update({ where: { id }, data: { status: 'cancelled', cancelledAt: now, statusChangedAt: now, nextTransitionAt: null } });
    await tx.portingOrderNumber.updateMany({ where: { portingOrderId: id, status: 'pending' }, data: { status: 'cancelled' } });
    await recordAudit(tx, actor, { action: 'porting_order.cancelled', resourceType: 'porting_order', resourceId: id, before: { status: row.status }, after: { status: 'cancelled' } });
    return recordPortingChange(tx, deps.pubSub, id, now);
  });
}
