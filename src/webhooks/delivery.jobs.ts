import { recordAudit } from '../audit/audit.service';
import { WebhookSettings } from '../config';
import { recordEvent } from '../events/events.service';
import { Prisma } from '../generated/prisma/client';
import { systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { addJob, TaskHandlers } from '../platform/jobs';
import { ServiceDeps } from '../platform/service-deps';
import { envelopeOf } from './payload';
import { Sender } from './sender';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

// Delivery runs on the job queue in two kinds of jobs: a fan-out per event (one delivery row per matching
// subscription) and a send per delivery. Our own rows carry the retry schedule (graphile-worker's own retries
// only cover a crashing handler), and per-resource order: a delivery waits while an earlier event of the same
// resource is not yet fanned out or its delivery to the same subscription is still pending.

type Tx = Prisma.TransactionClient;

export function deliveryJobKey(deliveryId: string): string {
  return `webhook-delivery:${deliveryId}`;
}

/** Exponential backoff with jitter: half the doubled delay fixed, half random, so retries never bunch up. */
export function retryDelayMs(attempt: number, settings: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxDelayMs'>, random = Math.random): number {
  const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Queues the first pending delivery of a resource for each subscription (or one), without hurrying a backoff. */
async function nudge(tx: Tx, resource: { resourceType: string; resourceId: string }, subscriptionId?: string): Promise<void> {
  const heads = await tx.$queryRaw<{ id: string; next_attempt_at: Date | null }[]>`
    SELECT DISTINCT ON (subscription_id) id, next_attempt_at FROM webhook_deliveries
     WHERE resource_type = ${resource.resourceType} AND resource_id = ${resource.resourceId} AND status = 'pending'
       AND (${subscriptionId ?? null}::uuid IS NULL OR subscription_id = ${subscriptionId ?? null}::uuid)
     ORDER BY subscription_id, sequence`;
  for (const head of heads) {
    await addJob(tx, 'webhooks.deliver', { deliveryId: head.id }, { jobKey: deliveryJobKey(head.id), jobKeyMode: 'preserve_run_at', runAt: head.next_attempt_at ?? undefined });
  }
}

/**
 * Queues again every delivery left pending longer than `graceMs` without being sent. Per-resource order means a
 * delivery waiting behind an earlier one is queued only by that one's completion (a nudge); a nudge lost around
 * a crash would leave it pending forever. Nudging is idempotent (job keys) and keeps backoffs and leases, so
 * running this on every instance, often, is safe.
 */
export async function requeueStrandedDeliveries(deps: ServiceDeps, graceMs: number): Promise<number> {
  const stranded = await deps.db.$queryRaw<{ resource_type: string; resource_id: string; subscription_id: string }[]>`
    SELECT DISTINCT resource_type, resource_id, subscription_id FROM webhook_deliveries
     WHERE status = 'pending' AND created_at < now() - make_interval(secs => ${graceMs / 1000})`;
  for (const r of stranded) {
    await inTransaction(deps.db, (tx) => nudge(tx, { resourceType: r.resource_type, resourceId: r.resource_id }, r.subscription_id));
  }
  return stranded.length;
}

export async function fanOutEvent(deps: ServiceDeps, settings: WebhookSettings, eventId: string): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const claimed = await tx.webhookFanout.deleteMany({ where: { eventId } });
    if (claimed.count === 0) return; // already fanned out by an earlier run of this job
    const event = await tx.event.findUnique({ where: { id: eventId } });
    if (!event) return;
    const subscriptions = await tx.webhookSubscription.findMany({
      where: {
        tenantId: event.tenantId,
        enabled: true,
        OR: [{ eventTypes: { has: '*' } }, { eventTypes: { has: event.type } }],
        // A connection-scoped subscription receives only events of its connection.
        AND: [event.connectionId ? { OR: [{ connectionId: null }, { connectionId: event.connectionId }] } : { connectionId: null }],
      },
      select: { id: true },
    });
    const retryUntil = new Date(deps.clock.now().getTime() + settings.retryWindowMs);
    await tx.webhookDelivery.createMany({
      data: subscriptions.map((s) => ({
        tenantId: event.tenantId,
        subscriptionId: s.id,
        eventId: event.id,
        eventType: event.type,
        resourceType: event.resourceType,
        resourceId: event.resourceId,
        sequence: event.sequence,
        retryUntil,
      })),
      skipDuplicates: true,
    });
    await nudge(tx, event);
  });
}

interface Claimed {
  delivery: { id: string; tenantId: string; subscriptionId: string; resourceType: string; resourceId: string; retryUntil: Date; attemptCount: number };
  url: string;
  secrets: string[];
  body: string;
}

/** Takes the delivery for one attempt, or says why not (done, leased, not due yet, waiting for an earlier one). */
async function claim(deps: ServiceDeps, settings: WebhookSettings, deliveryId: string): Promise<Claimed | null> {
  return inTransaction(deps.db, async (tx) => {
    const [delivery] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM webhook_deliveries WHERE id = ${deliveryId}::uuid FOR UPDATE`;
    if (!delivery) return null;
    const d = await tx.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { subscription: true, event: true } });
    const now = deps.clock.now();
    if (d.status !== 'pending') return null;
    if (d.leaseUntil && d.leaseUntil > now) {
      // Someone is sending it, or was when their process died: look again when the lease runs out.
      await addJob(tx, 'webhooks.deliver', { deliveryId }, { jobKey: deliveryJobKey(deliveryId), jobKeyMode: 'preserve_run_at', runAt: d.leaseUntil });
      return null;
    }
    if (d.nextAttemptAt && d.nextAttemptAt > now) {
      await addJob(tx, 'webhooks.deliver', { deliveryId }, { jobKey: deliveryJobKey(deliveryId), jobKeyMode: 'preserve_run_at', runAt: d.nextAttemptAt });
      return null;
    }
    const [{ waiting }] = await tx.$queryRaw<{ waiting: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                      WHERE subscription_id = ${d.subscriptionId}::uuid AND resource_type = ${d.resourceType} AND resource_id = ${d.resourceId}
                        AND sequence < ${d.sequence} AND status = 'pending')
          OR EXISTS (SELECT 1 FROM webhook_fanouts
                      WHERE resource_type = ${d.resourceType} AND resource_id = ${d.resourceId} AND sequence < ${d.sequence}) AS waiting`;
    // The earlier one's completion (or fan-out) queues this one again.
    if (waiting) return null;
    if (!d.subscription.enabled) {
      await tx.webhookDelivery.update({ where: { id: d.id }, data: { status: 'failed', lastError: 'subscription disabled', completedAt: now, nextAttemptAt: null } });
      await nudge(tx, d, d.subscriptionId);
      return null;
    }
    const attemptCount = d.attemptCount + 1;
    await tx.webhookDelivery.update({
      where: { id: d.id },
      // Longer than one attempt can take: a crashed worker's lease runs out and the delivery is retried.
      data: { attemptCount, leaseUntil: new Date(now.getTime() + settings.timeoutMs + 30_000) },
    });
    const s = d.subscription;
    const secrets = [s.signingSecret, ...(s.previousSigningSecret && s.previousSecretExpiresAt && s.previousSecretExpiresAt > now ? [s.previousSigningSecret] : [])];
    return { delivery: { ...d, attemptCount }, url: s.url, secrets, body: JSON.stringify(envelopeOf(d.event)) };
  });
}

export async function deliverWebhook(deps: ServiceDeps, settings: WebhookSettings, sender: Sender, deliveryId: string, jobId: string): Promise<void> {
  const claimed = await claim(deps, settings, deliveryId);
  if (!claimed) return;
  const { delivery, url, secrets, body } = claimed;
  const startedAt = deps.clock.now();
  const result = await sender.send(url, body, {
    'content-type': 'application/json',
    'user-agent': 'voepy-webhooks/1',
    [SIGNATURE_HEADER]: signatureHeader(body, secrets, Math.floor(startedAt.getTime() / 1000)),
    'voepy-event-id': JSON.parse(body).id,
    'voepy-delivery-id': delivery.id,
    'voepy-delivery-attempt': String(delivery.attemptCount),
  });
  await inTransaction(deps.db, async (tx) => {
    await tx.webhookDeliveryAttempt.create({
      data: { deliveryId, attempt: delivery.attemptCount, startedAt, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, succeeded: result.ok },
    });
    const now = deps.clock.now();
    const common = { leaseUntil: null, lastStatusCode: result.statusCode, lastError: result.error };
    if (result.ok) {
      await tx.webhookDelivery.update({ where: { id: deliveryId }, data: { ...common, status: 'succeeded', completedAt: now, nextAttemptAt: null } });
      await tx.webhookSubscription.updateMany({ where: { id: delivery.subscriptionId, failingSince: { not: null } }, data: { failingSince: null } });
      await nudge(tx, delivery, delivery.subscriptionId);
      return;
    }
    const next = new Date(now.getTime() + retryDelayMs(delivery.attemptCount, settings));
    if (next > delivery.retryUntil) {
      await tx.webhookDelivery.update({ where: { id: deliveryId }, data: { ...common, status: 'failed', completedAt: now, nextAttemptAt: null } });
      await nudge(tx, delivery, delivery.subscriptionId);
    } else {
      await tx.webhookDelivery.update({ where: { id: deliveryId }, data: { ...common, nextAttemptAt: next } });
      await addJob(tx, 'webhooks.deliver', { deliveryId }, { jobKey: deliveryJobKey(deliveryId), runAt: next });
    }
    await noteFailure(tx, deps, settings, delivery, now, jobId);
  });
}

/** A subscription whose attempts have all failed for `disableAfterMs` is disabled, with a notice event. */
async function noteFailure(tx: Tx, deps: ServiceDeps, settings: WebhookSettings, delivery: Claimed['delivery'], now: Date, jobId: string): Promise<void> {
  await tx.webhookSubscription.updateMany({ where: { id: delivery.subscriptionId, failingSince: null }, data: { failingSince: now } });
  const [sub] = await tx.$queryRaw<{ id: string; url: string; failing_since: Date; enabled: boolean }[]>`
    SELECT id, url, failing_since, enabled FROM webhook_subscriptions WHERE id = ${delivery.subscriptionId}::uuid FOR UPDATE`;
  if (!sub?.enabled || now.getTime() - sub.failing_since.getTime() < settings.disableAfterMs) return;
  const reason = `every delivery attempt has failed since ${sub.failing_since.toISOString()}`;
  await tx.webhookSubscription.update({ where: { id: sub.id }, data: { enabled: false, disabledReason: reason, updatedAt: now } });
  await recordAudit(tx, systemActor(delivery.tenantId, `job:${jobId}`), {
    action: 'webhook_subscription.disabled',
    resourceType: 'webhook_subscription',
    resourceId: sub.id,
    before: { enabled: true },
    after: { enabled: false, disabled_reason: reason },
  });
  await recordEvent(tx, {
    tenantId: delivery.tenantId,
    type: 'webhook_subscription.disabled',
    resourceType: 'webhook_subscription',
    resourceId: sub.id,
    data: { id: sub.id, url: sub.url, enabled: false, disabled_reason: reason, failing_since: sub.failing_since.toISOString() },
    occurredAt: now,
  });
}

/** The webhook tasks, bound to the gateway's dependencies. */
export function webhookTaskHandlers(deps: ServiceDeps, settings: WebhookSettings, sender: Sender): TaskHandlers {
  return {
    'webhooks.fanout': (payload) => fanOutEvent(deps, settings, payload.eventId),
    'webhooks.deliver': (payload, job) => deliverWebhook(deps, settings, sender, payload.deliveryId, job.id),
  };
}
