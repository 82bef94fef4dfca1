import { recordAudit } from '../audit/audit.service';
import { DEFAULT_WEBHOOK_SETTINGS } from '../config';
import { WebhookDeliveryStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { addJob } from '../platform/jobs';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { deliveryJobKey } from './delivery.jobs';

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  succeeded: boolean;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  resourceType: string;
  resourceId: string;
  sequence: number;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  completedAt: Date | null;
  createdAt: Date;
  attempts: DeliveryAttemptView[];
}

export interface DeliveryFilter {
  subscriptionId?: string | null;
  eventType?: string | null;
  status?: WebhookDeliveryStatus | null;
}

const INCLUDE = { attempts: { orderBy: { attempt: 'asc' as const }, select: { attempt: true, startedAt: true, statusCode: true, latencyMs: true, error: true, succeeded: true } } };

function view<T extends { sequence: bigint }>(row: T): Omit<T, 'sequence'> & { sequence: number } {
  return { ...row, sequence: Number(row.sequence) };
}

function deliveryNotFound(): ApiError {
  return new ApiError('not_found', 'Webhook delivery not found');
}

/** The tenant's deliveries, newest first, each with every attempt (status code, latency, error). */
export async function listWebhookDeliveries(deps: ServiceDeps, actor: Actor, filter: DeliveryFilter, page: PageArgs): Promise<Page<DeliveryView>> {
  requireScope(actor, 'webhooks:read');
  if (filter.subscriptionId) {
    const owned = isUuid(filter.subscriptionId) && (await deps.db.webhookSubscription.findFirst({ where: { id: filter.subscriptionId, tenantId: actor.tenantId }, select: { id: true } }));
    if (!owned) throw new ApiError('subscription_not_found', 'Webhook subscription not found');
  }
  if (filter.status && !Object.values(WebhookDeliveryStatus).includes(filter.status)) {
    throw invalidRequest(`status must be one of ${Object.values(WebhookDeliveryStatus).join(', ')}`, 'status');
  }
  const where = {
    tenantId: actor.tenantId,
    ...(filter.subscriptionId ? { subscriptionId: filter.subscriptionId } : {}),
    ...(filter.eventType ? { eventType: filter.eventType } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
  const result = await paginate(page, (take, cursorWhere) => deps.db.webhookDelivery.findMany({ where: { ...where, ...cursorWhere }, orderBy: NEWEST_FIRST, take, include: INCLUDE }));
  return { ...result, nodes: result.nodes.map(view) };
}

/**
 * Sends a delivery again now, whatever its state: a failed one gets a fresh retry period, a succeeded one is
 * re-sent (same event id: receivers dedupe), a pending one stops waiting for its backoff.
 */
export async function retryWebhookDelivery(deps: ServiceDeps, actor: Actor, id: string): Promise<DeliveryView> {
  requireScope(actor, 'webhooks:write');
  if (!isUuid(id)) throw deliveryNotFound();
  const settings = deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS;
  return inTransaction(deps.db, async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM webhook_deliveries WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
    if (!locked) throw deliveryNotFound();
    const before = await tx.webhookDelivery.findUniqueOrThrow({ where: { id } });
    const now = deps.clock.now();
    if (before.leaseUntil && before.leaseUntil > now) throw new ApiError('conflict', 'This delivery is being sent right now; look at its attempts in a moment');
    const after = await tx.webhookDelivery.update({
      where: { id },
      data: { status: 'pending', nextAttemptAt: null, completedAt: null, retryUntil: new Date(now.getTime() + settings.retryWindowMs) },
      include: INCLUDE,
    });
    await addJob(tx, 'webhooks.deliver', { deliveryId: id }, { jobKey: deliveryJobKey(id) });
    await recordAudit(tx, actor, { action: 'webhook_delivery.retried', resourceType: 'webhook_delivery', resourceId: id, before: { status: before.status }, after: { status: 'pending' } });
    return view(after);
  });
}
