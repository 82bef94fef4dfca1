import { Prisma } from '../generated/prisma/client';
import { AnsweringMachineDetection, CallDirection, CallScreening, CallStatus } from '../generated/prisma/enums';
import { recordEvent, RecordedEvent } from '../events/events.service';
import { EventType } from '../events/event-types';

// How a call looks everywhere it is shown: the GraphQL `Call`, GET /v1/calls/{id}, and every call.* event's data
// (the REST resource's snake_case names, so a webhook reads like the API).

export const TERMINAL: readonly CallStatus[] = ['completed', 'busy', 'no_answer', 'failed', 'canceled'];

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL.includes(status);
}

export interface CallView {
  id: string;
  tenantId: string;
  direction: CallDirection;
  fromNumber: string;
  toNumber: string;
  phoneNumberId: string | null;
  connectionId: string | null;
  destinationCountry: string;
  carrierCostPerMinuteMillicents: number;
  status: CallStatus;
  timeoutSecs: number;
  answeringMachineDetection: AnsweringMachineDetection;
  record: boolean;
  amdResult: string | null;
  upstreamCallId: string | null;
  hangupCause: string | null;
  hangupSource: string | null;
  queuedAt: Date;
  initiatedAt: Date | null;
  ringingAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  billableSeconds: number | null;
  includedSeconds: number | null;
  markupBps: number | null;
  holdId: string | null;
  chargeCents: bigint | null;
  chargeLedgerEntryId: string | null;
  createdAt: Date;
  bridgedCallId: string | null;
  bridgedAt: Date | null;
  screening: CallScreening | null;
}

/** CallView's enum columns: raw SQL reads them as text, as Prisma does. */
const ENUM_FIELDS = new Set(['direction', 'status', 'answeringMachineDetection', 'screening']);

export const CALL_SELECT = {
  id: true, tenantId: true, direction: true, fromNumber: true, toNumber: true, phoneNumberId: true, connectionId: true, destinationCountry: true,
  carrierCostPerMinuteMillicents: true, status: true, timeoutSecs: true, answeringMachineDetection: true, record: true, amdResult: true, upstreamCallId: true,
  hangupCause: true, hangupSource: true, queuedAt: true, initiatedAt: true, ringingAt: true, answeredAt: true, endedAt: true, billableSeconds: true,
  includedSeconds: true, markupBps: true, holdId: true, chargeCents: true, chargeLedgerEntryId: true, createdAt: true,
  bridgedCallId: true, bridgedAt: true, screening: true,
} as const;

/**
 * CALL_SELECT's columns for raw SQL (a row lock, an UPDATE … RETURNING), named and typed as CallView, so a
 * statement that locks or changes a call also reads it instead of needing a second statement.
 */
export const CALL_COLUMNS = Prisma.raw(
  Object.keys(CALL_SELECT)
    .map((field) => `${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}${ENUM_FIELDS.has(field) ? '::text' : ''} AS "${field}"`)
    .join(', '),
);

/** The event type announcing that a call reached `status`. */
export function eventTypeOf(status: CallStatus): EventType {
  switch (status) {
    case 'initiated':
      return 'call.initiated';
    case 'ringing':
      return 'call.ringing';
    case 'answered':
      return 'call.answered';
    default:
      return 'call.hangup';
  }
}

export async function recordCallEvent(
  tx: Prisma.TransactionClient,
  call: CallView,
  occurredAt: Date,
  type: EventType = eventTypeOf(call.status),
  alsoWrite?: (eventId: string) => Prisma.Sql[],
): Promise<RecordedEvent> {
  return recordEvent(tx, {
    tenantId: call.tenantId,
    type,
    resourceType: 'call',
    resourceId: call.id,
    connectionId: call.connectionId,
    occurredAt,
    data: {
      id: call.id,
      direction: call.direction,
      from: call.fromNumber,
      to: call.toNumber,
      status: call.status,
      connection_id: call.connectionId,
      phone_number_id: call.phoneNumberId,
      answering_machine_detection: call.answeringMachineDetection,
      amd_result: call.amdResult,
      hangup_cause: call.hangupCause,
      hangup_source: call.hangupSource,
      queued_at: call.queuedAt,
      initiated_at: call.initiatedAt,
      ringing_at: call.ringingAt,
      answered_at: call.answeredAt,
      ended_at: call.endedAt,
      billable_seconds: call.billableSeconds,
      charge_cents: call.chargeCents,
      screening: call.screening,
    },
  }, alsoWrite);
}

/** A call's transition row (from → to, the event announcing it), as an INSERT for the event's statement. */
export function transitionInsert(call: CallView, to: CallStatus, occurredAt: Date, eventId: string, ending?: { hangupCause: string; hangupSource: string }): Prisma.Sql {
  const detail = ending ? JSON.stringify({ hangup_cause: ending.hangupCause, hangup_source: ending.hangupSource }) : null;
  return Prisma.sql`
    INSERT INTO call_transitions (call_id, from_status, to_status, event_id, detail, occurred_at, created_at)
    VALUES (${call.id}::uuid, ${call.status}::call_status, ${to}::call_status, ${eventId}::uuid, ${detail}::jsonb, ${occurredAt}::timestamptz, ${new Date()}::timestamptz)`;
}
