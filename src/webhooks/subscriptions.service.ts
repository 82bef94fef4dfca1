import { recordAudit } from '../audit/audit.service';
import { DEFAULT_WEBHOOK_SETTINGS } from '../config';
import { EVENT_TYPES, isEventType } from '../events/event-types';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { newSigningSecret } from './signature';
import { validateTargetUrl } from './target-url';

export interface WebhookSubscriptionView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  connectionId: string | null;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Present only in the answer to creation and rotation: the secret is never read back. */
  revealedSigningSecret?: string;
}

const SELECT = {
  id: true,
  url: true,
  description: true,
  eventTypes: true,
  connectionId: true,
  enabled: true,
  disabledReason: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

export interface CreateWebhookSubscription {
  url: string;
  eventTypes: string[];
  connectionId?: string | null;
  description?: string | null;
}

export interface UpdateWebhookSubscription {
  url?: string | null;
  eventTypes?: string[] | null;
  enabled?: boolean | null;
  description?: string | null;
}

/** `["*"]` is every type, present and future; otherwise each name must be one voepy emits. */
export function validEventTypes(types: unknown): string[] {
  if (!Array.isArray(types)) throw invalidRequest('event_types must be a list of event type names', 'event_types');
  if (types.length === 0) throw new ApiError('event_types_required', 'event_types is empty: list the event types to receive, or ["*"] for all of them', { field: 'event_types' });
  if (types.includes('*')) {
    if (types.length > 1) throw invalidRequest('"*" already means every event type: send it alone', 'event_types');
    return ['*'];
  }
  const unknown = types.filter((t) => typeof t !== 'string' || !isEventType(t));
  if (unknown.length) {
    throw invalidRequest(`Unknown event types: ${unknown.map(String).join(', ')}. Valid event types: ${EVENT_TYPES.join(', ')} (or "*" for all)`, 'event_types');
  }
  return [...new Set(types as string[])];
}

function validDescription(description: string | null | undefined): string | null {
  if (description === null || description === undefined) return null;
  if (description.length > 500) throw invalidRequest('description must be at most 500 characters', 'description');
  return description;
}

function notFound(): ApiError {
  return new ApiError('subscription_not_found', 'Webhook subscription not found');
}

function targetPolicy(deps: ServiceDeps) {
  return { allowPrivateTargets: (deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS).allowPrivateTargets };
}

/** What the audit log keeps of a subscription: everything but the secrets. */
function auditable(s: { url: string; eventTypes: string[]; connectionId: string | null; description: string | null; enabled: boolean }) {
  return { url: s.url, event_types: s.eventTypes, connection_id: s.connectionId, description: s.description, enabled: s.enabled };
}

export async function createWebhookSubscription(deps: ServiceDeps, actor: Actor, input: CreateWebhookSubscription): Promise<WebhookSubscriptionView> {
  requireScope(actor, 'webhooks:write');
  const eventTypes = validEventTypes(input.eventTypes);
  const url = await validateTargetUrl(input.url, targetPolicy(deps));
  const description = validDescription(input.description);
  const connectionId = input.connectionId ?? null;
  return inTransaction(deps.db, async (tx) => {
    if (connectionId !== null) {
      const owned = isUuid(connectionId) && (await tx.connection.findFirst({ where: { id: connectionId, tenantId: actor.tenantId }, select: { id: true } }));
      if (!owned) throw new ApiError('not_found', 'Connection not found', { field: 'connection_id' });
    }
    const signingSecret = newSigningSecret();
    const created = await tx.webhookSubscription.create({
      data: { tenantId: actor.tenantId, url, eventTypes, connectionId, description, signingSecret },
      select: SELECT,
    });
    await recordAudit(tx, actor, { action: 'webhook_subscription.created', resourceType: 'webhook_subscription', resourceId: created.id, after: auditable(created) });
    return { ...created, revealedSigningSecret: signingSecret };
  });
}

export async function listWebhookSubscriptions(deps: ServiceDeps, actor: Actor, page: PageArgs): Promise<Page<WebhookSubscriptionView>> {
  requireScope(actor, 'webhooks:read');
  return paginate(page, (take, cursorWhere) =>
    deps.db.webhookSubscription.findMany({ where: { tenantId: actor.tenantId, ...cursorWhere }, orderBy: NEWEST_FIRST, take, select: SELECT }),
  );
}

export async function getWebhookSubscription(deps: ServiceDeps, actor: Actor, id: string): Promise<WebhookSubscriptionView> {
  requireScope(actor, 'webhooks:read');
  if (!isUuid(id)) throw notFound();
  const found = await deps.db.webhookSubscription.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT });
  if (!found) throw notFound();
  return found;
}

/** Only the fields sent change. Re-enabling clears the reason the gateway disabled it and its failure streak. */
export async function updateWebhookSubscription(deps: ServiceDeps, actor: Actor, id: string, input: UpdateWebhookSubscription): Promise<WebhookSubscriptionView> {
  requireScope(actor, 'webhooks:write');
  if (!isUuid(id)) throw notFound();
  const data: Record<string, unknown> = {};
  if (input.url !== undefined && input.url !== null) data.url = await validateTargetUrl(input.url, targetPolicy(deps));
  if (input.eventTypes !== undefined && input.eventTypes !== null) data.eventTypes = validEventTypes(input.eventTypes);
  if (input.description !== undefined) data.description = validDescription(input.description);
  if (input.enabled !== undefined && input.enabled !== null) {
    data.enabled = input.enabled;
    if (input.enabled) Object.assign(data, { disabledReason: null, failingSince: null });
  }
  return inTransaction(deps.db, async (tx) => {
    const before = await tx.webhookSubscription.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT });
    if (!before) throw notFound();
    const after = await tx.webhookSubscription.update({ where: { id }, data: { ...data, updatedAt: deps.clock.now() }, select: SELECT });
    const [b, a] = [auditable(before), auditable(after)] as Record<string, unknown>[];
    const changed = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    await recordAudit(tx, actor, {
      action: 'webhook_subscription.updated',
      resourceType: 'webhook_subscription',
      resourceId: id,
      before: Object.fromEntries(changed.map((k) => [k, b[k]])),
      after: Object.fromEntries(changed.map((k) => [k, a[k]])),
    });
    return after;
  });
}

/** Deletes the subscription and its delivery history; queued deliveries find nothing to send. */
export async function deleteWebhookSubscription(deps: ServiceDeps, actor: Actor, id: string): Promise<WebhookSubscriptionView> {
  requireScope(actor, 'webhooks:write');
  if (!isUuid(id)) throw notFound();
  return inTransaction(deps.db, async (tx) => {
    const found = await tx.webhookSubscription.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT });
    if (!found) throw notFound();
    await tx.webhookSubscription.delete({ where: { id } });
    await recordAudit(tx, actor, { action: 'webhook_subscription.deleted', resourceType: 'webhook_subscription', resourceId: id, before: auditable(found) });
    return found;
  });
}

/**
 * A new signing secret, shown once. The old one keeps signing (a second v1 in the header) for the grace
 * period, so receivers can deploy the new secret without rejecting deliveries meanwhile.
 */
export async function rotateWebhookSigningSecret(deps: ServiceDeps, actor: Actor, id: string, graceSeconds?: number | null): Promise<WebhookSubscriptionView> {
  requireScope(actor, 'webhooks:write');
  if (!isUuid(id)) throw notFound();
  const grace = graceSeconds ?? (deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS).secretGraceSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400) throw invalidRequest('grace_period_seconds must be between 0 and 2592000 (30 days)', 'grace_period_seconds');
  return inTransaction(deps.db, async (tx) => {
    const found = await tx.webhookSubscription.findFirst({ where: { id, tenantId: actor.tenantId }, select: { signingSecret: true } });
    if (!found) throw notFound();
    const now = deps.clock.now();
    const signingSecret = newSigningSecret();
    const expiresAt = grace > 0 ? new Date(now.getTime() + grace * 1000) : null;
    const rotated = await tx.webhookSubscription.update({
      where: { id },
      data: { signingSecret, previousSigningSecret: expiresAt ? found.signingSecret : null, previousSecretExpiresAt: expiresAt, updatedAt: now },
      select: SELECT,
    });
    await recordAudit(tx, actor, {
      action: 'webhook_subscription.secret_rotated',
      resourceType: 'webhook_subscription',
      resourceId: id,
      after: { previous_secret_expires_at: expiresAt?.toISOString() ?? null },
    });
    return { ...rotated, revealedSigningSecret: signingSecret };
  });
}
