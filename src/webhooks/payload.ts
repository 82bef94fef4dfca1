/** An event as receivers see it, the same in webhook bodies and in the GraphQL `eventRecorded` subscription. */
export interface EventEnvelope {
  id: string;
  type: string;
  occurred_at: string;
  /** Per resource, from 1, in commit order: reorder and dedupe with (resource, sequence) or the id. */
  sequence: number;
  resource_type: string;
  resource_id: string;
  connection_id: string | null;
  data: unknown;
}

export function envelopeOf(event: {
  id: string;
  type: string;
  occurredAt: Date;
  sequence: bigint | number;
  resourceType: string;
  resourceId: string;
  connectionId?: string | null;
  data: unknown;
}): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.occurredAt.toISOString(),
    sequence: Number(event.sequence),
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    connection_id: event.connectionId ?? null,
    data: event.data,
  };
}
