import { Prisma } from '../generated/prisma/client';
import { recordEvent } from '../events/events.service';
import { EventType } from '../events/event-types';
import { PubSub } from '../platform/pubsub';
import { afterCommit } from '../platform/db/transaction';
import { PortingOrderView, portingOrderView, PORTING_ORDER_INCLUDE } from './porting.view';

const EVENT_OF_STATUS: Record<string, EventType> = {
  submitted: 'porting_order.submitted',
  in_process: 'porting_order.in_process',
  foc_date_confirmed: 'porting_order.foc_date_confirmed',
  partially_ported: 'porting_order.partially_ported',
  ported: 'porting_order.ported',
  cancelled: 'porting_order.cancelled',
};

/**
 * The order's new state as a `porting_order.<status>` event (webhooks) in the same transaction, and after commit
 * a notice for the `portingOrderChanged` subscription. Returns the order as both APIs show it.
 */
export async function recordPortingChange(tx: Prisma.TransactionClient, pubSub: PubSub, orderId: string, occurredAt: Date): Promise<PortingOrderView> {
  const order = portingOrderView(await tx.portingOrder.findUniqueOrThrow({ where: { id: orderId }, include: PORTING_ORDER_INCLUDE }));
  const recorded = await recordEvent(tx, {
    tenantId: order.tenantId,
    type: EVENT_OF_STATUS[order.status],
    resourceType: 'porting_order',
    resourceId: order.id,
    occurredAt,
    data: {
      id: order.id,
      status: order.status,
      phone_numbers: order.numbers.map((n) => ({ phone_number: n.phoneNumber, status: n.status, foc_at: n.focAt, phone_number_id: n.phoneNumberId, failure_reason: n.failureReason })),
      foc_date: order.focDate,
      ported_at: order.portedAt,
      cancelled_at: order.cancelledAt,
    },
  });
  // Built when the hook runs, so committedAt is when the change committed; the event's id and sequence let a
  // subscriber dedupe and order changes across reconnects, as webhooks do.
  afterCommit(tx, () =>
    pubSub.publish('PORTING_ORDER_CHANGED', order.tenantId, {
      tenantId: order.tenantId,
      portingOrderId: order.id,
      status: order.status,
      eventId: recorded.id,
      eventType: recorded.type,
      sequence: recorded.sequence,
      occurredAt: occurredAt.toISOString(),
      committedAt: new Date().toISOString(),
    }),
  );
  return order;
}
