import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Prisma } from '../generated/prisma/client';
import { PREPARED } from '../platform/db/prepared';
import { afterCommit } from '../platform/db/transaction';
import { fanoutMarker, queueWebhookFanout } from '../webhooks/fanout-schedule';
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
 *
 * One statement: the sequence, the event row and its webhook fan-out marker (when the tenant has an enabled
 * subscription), plus whatever `alsoWrite` adds for the change (a call's transition and audit rows), each a
 * data-modifying CTE given the event's id. A transition is then one round trip instead of five or six.
 */
export async function recordEvent(tx: Prisma.TransactionClient, event: NewEvent, alsoWrite?: (eventId: string) => Prisma.Sql[]): Promise<RecordedEvent> {
  const id = randomUUID();
  const data = jsonSafe(event.data);
  const also = alsoWrite?.(id) ?? [];
  const extra = also.length ? Prisma.sql`, ${Prisma.join(also.map((sql, i) => Prisma.sql`${Prisma.raw(`also_${i}`)} AS (${sql})`), ', ')}` : Prisma.empty;
  // Prepared: its text is one of a few shapes (one per kind of change), each planned once per connection.
  const [row] = await tx.$queryRaw<{ sequence: bigint; fanned_out: boolean }[]>`${Prisma.raw(PREPARED)}
    WITH seq AS (
      INSERT INTO event_sequences (resource_type, resource_id, last_sequence) VALUES (${event.resourceType}, ${event.resourceId}, 1)
      ON CONFLICT (resource_type, resource_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1
      RETURNING last_sequence),
    ev AS (
      INSERT INTO events (id, tenant_id, type, resource_type, resource_id, sequence, connection_id, data, occurred_at, created_at)
      SELECT ${id}::uuid, ${event.tenantId}::uuid, ${event.type}, ${event.resourceType}, ${event.resourceId}, seq.last_sequence,
             ${event.connectionId ?? null}::uuid, ${JSON.stringify(data)}::jsonb, ${event.occurredAt}::timestamptz, ${new Date()}::timestamptz
        FROM seq
      RETURNING id, resource_type, resource_id, sequence),
    fanout AS (${fanoutMarker(event.tenantId)})${extra}
    SELECT ev.sequence, EXISTS (SELECT 1 FROM fanout) AS fanned_out FROM ev`;
  if (row.fanned_out) await queueWebhookFanout(tx, id);
  const recorded: RecordedEvent = { ...event, data, id, sequence: Number(row.sequence) };
  afterCommit(tx, () => committedEvents.emit('event', recorded));
  return recorded;
}

/** BigInt cents become numbers and Dates ISO strings: the form both APIs show. */
function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
