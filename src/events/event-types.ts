// Every event type voepy emits: the list webhook subscriptions are validated against ("*" means all).
// A domain that emits a new type adds it here, so subscribers can ask for it by name.
export const EVENT_TYPES = [
  // numbers
  'number_order.completed',
  'number_order.failed',
  'phone_number.released',
  // a number that arrived by port is active (its porting order's events tell the order's story)
  'phone_number.ported_in',
  // webhooks
  'webhook_subscription.disabled',
  // calls
  'call.initiated',
  'call.ringing',
  'call.answered',
  'call.machine_detection.ended',
  'call.hangup',
  // porting (one per state an order enters)
  'porting_order.submitted',
  'porting_order.in_process',
  'porting_order.foc_date_confirmed',
  'porting_order.partially_ported',
  'porting_order.ported',
  'porting_order.cancelled',
  // call control
  'call.bridged',
  'call.recording.started',
  'call.recording.stopped',
  'call.recording.saved',
  'call.recording.failed',
  'call.recording.deleted',
  'call.streaming.started',
  'call.streaming.stopped',
  'call.transcription.started',
  'call.transcription',
  'call.transcription.stopped',
  'call.gather.started',
  'call.gather.ended',
  // conferences (participants' events are of the conference resource: one sequence per conference)
  'conference.created',
  'conference.participant.joined',
  'conference.participant.left',
  'conference.participant.updated',
  'conference.ended',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
