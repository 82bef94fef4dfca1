import { EventEmitter } from 'node:events';
import { Prisma } from '../generated/prisma/client';
import { afterCommit } from '../platform/db/transaction';
import { scheduleWebhookFanout } from '../webhooks/fanout-schedule';
import { EventType } from './event-types';

export interface NewEvent {
  tenantId: string;
  type: EventType;
  resourceType: string;
  resourceId: string;
  /** The resource's connection, when it has one: connection-scoped webhook subscriptions filter on it. */
  connectionId?: string | null;
  /** The resource as the API shows it (snake_case, JSON-safe: cents as numbers, instants as ISO strings). */
  data: Record<string, unknown>;
  occurredAt: Date;
}

export interface RecordedEvent extends Omit<NewEvent, 'type'> {
  id: string;
  type: string;
  /** Per resource, from 1, in commit order: receivers reorder and dedupe with it. */
  sequence: number;
}

/**
 * Process-local notice of committed events, for whoever delivers them (webhook dispatch wakes up on it).
 * Only a hint: delivery must also find events from before a restart in the table itself.
 */
export const committedEvents = new EventEmitter<{ event: [RecordedEvent] }>();
committedEvents.setMaxListeners(100);

/**
 * Appends an event in the caller's transaction: it exists exactly when the change it describes does. The
 * per-resource sequence comes from a counter row locked until commit, so one resource's events are numbered
 * in the order their transactions commit.
 */
export async function recordEvent(tx: Prisma.TransactionClient, event: NewEvent): Promise<RecordedEvent> {
  const [{ last_sequence: sequence }] = await tx.$queryRaw<{ last_sequence: bigint }[]>`
    INSERT INTO event_sequences (resource_type, resource_id, last_sequence) VALUES (${event.resourceType}, ${event.resourceId}, 1)
    ON CONFLICT (resource_type, resource_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1
    RETURNING last_sequence`;
  const data = jsonSafe(event.data);
  const row = await tx.event.create({
    data: {
      tenantId: event.tenantId,
      type: event.type,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      sequence,
      connectionId: event.connectionId ?? null,
      data: data as Prisma.InputJsonValue,
      occurredAt: event.occurredAt,
    },
    select: { id: true },
  });
  await scheduleWebhookFanout(tx, { id: row.id, tenantId: event.tenantId, resourceType: event.resourceType, resourceId: event.resourceId, sequence });
  const recorded: RecordedEvent = { ...event, data, id: row.id, sequence: Number(sequence) };
  afterCommit(tx, () => committedEvents.emit('event', recorded));
  return recorded;
}

/** BigInt cents become numbers and Dates ISO strings: the form both APIs show. */
function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
