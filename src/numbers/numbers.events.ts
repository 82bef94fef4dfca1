import { Prisma } from '../generated/prisma/client';
import { RecordedEvent, recordEvent } from '../events/events.service';
import { EventType } from '../events/event-types';
import { NumberStatusChange } from '../platform/pubsub';

/** The phone number fields an event carries: the REST resource's names, so a webhook reads like GET /v1/numbers/{id}. */
export interface PhoneNumberEventSource {
  id: string;
  tenantId: string;
  e164: string;
  countryCode: string;
  numberType: string;
  status: string;
  connectionId: string | null;
  orderId: string;
  failureReason: string | null;
  activatedAt: Date | null;
  releasedAt: Date | null;
}

export async function recordNumberEvent(tx: Prisma.TransactionClient, type: EventType, n: PhoneNumberEventSource, occurredAt: Date): Promise<RecordedEvent> {
  return recordEvent(tx, {
    tenantId: n.tenantId,
    type,
    resourceType: 'phone_number',
    resourceId: n.id,
    connectionId: n.connectionId,
    occurredAt,
    data: {
      id: n.id,
      e164: n.e164,
      country_code: n.countryCode,
      number_type: n.numberType,
      status: n.status,
      connection_id: n.connectionId,
      order_id: n.orderId,
      failure_reason: n.failureReason,
      activated_at: n.activatedAt,
      released_at: n.releasedAt,
    },
  });
}

export const NUMBER_EVENT_SELECT = {
  id: true, tenantId: true, e164: true, countryCode: true, numberType: true, status: true, connectionId: true, orderId: true,
  failureReason: true, activatedAt: true, releasedAt: true,
} as const;

/**
 * The numberStatusChanged notice of a number's event, built in the after-commit hook that publishes it (so
 * committedAt is when the change committed): subscribers dedupe and order with the event's id and sequence.
 */
export function numberStatusNotice(event: RecordedEvent, status: string): NumberStatusChange {
  return {
    tenantId: event.tenantId,
    phoneNumberId: event.resourceId,
    status,
    eventId: event.id,
    eventType: event.type,
    sequence: event.sequence,
    occurredAt: event.occurredAt.toISOString(),
    committedAt: new Date().toISOString(),
  };
}
