import { Prisma } from '../generated/prisma/client';
import { addJob } from '../platform/jobs';

/**
 * Called by recordEvent in the event's own transaction: queues the event's webhook fan-out when its tenant
 * has an enabled subscription. The job and the fan-out marker commit with the event or not at all, so a
 * crash after commit loses nothing and a rollback sends nothing.
 */
export async function scheduleWebhookFanout(
  tx: Prisma.TransactionClient,
  event: { id: string; tenantId: string; resourceType: string; resourceId: string; sequence: bigint | number },
): Promise<void> {
  const marked = await tx.$queryRaw<{ event_id: string }[]>`
    INSERT INTO webhook_fanouts (event_id, resource_type, resource_id, sequence)
    SELECT ${event.id}::uuid, ${event.resourceType}, ${event.resourceId}, ${BigInt(event.sequence)}
     WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE tenant_id = ${event.tenantId}::uuid AND enabled)
    RETURNING event_id`;
  if (marked.length) await addJob(tx, 'webhooks.fanout', { eventId: event.id }, { jobKey: `webhook-fanout:${event.id}` });
}
