// The typed list of background tasks. A domain that adds a task declares its payload here, so enqueueing and
// handling agree on the shape at compile time. Payloads are JSON (ids, not objects: the row is re-read when the
// task runs, so a job never acts on stale data).
export interface JobPayloads {
  /** Find the webhook subscriptions an event matches and create one delivery per subscription. */
  'webhooks.fanout': { eventId: string };
  /** Send (or re-send) one webhook delivery. */
  'webhooks.deliver': { deliveryId: string };
}

export type TaskName = keyof JobPayloads;

export const TASK_NAMES = ['webhooks.fanout', 'webhooks.deliver'] as const satisfies readonly TaskName[];
