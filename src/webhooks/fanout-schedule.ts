import { Prisma } from '../generated/prisma/client';
import { addJob } from '../platform/jobs';

// An event's webhook fan-out is scheduled in the event's own transaction: the marker and the job commit with the
// event or not at all, so a crash after commit loses nothing and a rollback sends nothing.

/**
 * The fan-out marker's insert, a CTE of recordEvent's statement (where the new event is `ev`): written only when
 * the event's tenant has an enabled subscription. It returns the marked event's id: then queue its job.
 */
export function fanoutMarker(tenantId: string): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO webhook_fanouts (event_id, resource_type, resource_id, sequence)
    SELECT ev.id, ev.resource_type, ev.resource_id, ev.sequence FROM ev
     WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE tenant_id = ${tenantId}::uuid AND enabled)
    RETURNING event_id`;
}

/** The fan-out job of an event whose marker was written, in the same transaction. */
export async function queueWebhookFanout(tx: Prisma.TransactionClient, eventId: string): Promise<void> {
  await addJob(tx, 'webhooks.fanout', { eventId }, { jobKey: `webhook-fanout:${eventId}` });
}
