import { ApiError } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { requireCarrier } from './numbers.shared';
import { applyNumberEvent, submitOrder } from './numbers.service';

// No number stays pending forever. The carrier's activation events are not durable: a gateway that died after
// its commit but before submitting the order, that never heard the carrier's answer (down, response lost), or
// that was down when the event came, has numbers nobody will ever move. This job finds pending numbers older than
// an activation should take and asks the carrier: unsubmitted orders are submitted again under the same orderRef
// (the carrier dedupes by it, so an order that did reach it is not placed twice), then each number's outcome is
// polled and applied exactly like the event would have been (applyNumberEvent is idempotent per row state).

/** Activations take seconds; a number pending longer than this has lost its submission or its event. */
export const STUCK_PENDING_AFTER_MS = 2 * 60_000;
const BATCH = 500;

export interface RecoveryOutcome {
  resubmitted: number;
  activated: number;
  failed: number;
  stillPending: number;
}

export async function recoverPendingNumbers(deps: ServiceDeps, opts: { olderThanMs?: number; onError?: (err: unknown, orderId: string) => void } = {}): Promise<RecoveryOutcome> {
  const carrier = requireCarrier(deps);
  const cutoff = new Date(deps.clock.now().getTime() - (opts.olderThanMs ?? STUCK_PENDING_AFTER_MS));
  const stuck = await deps.db.phoneNumber.findMany({
    where: { status: 'pending', orderedAt: { lt: cutoff } },
    select: { orderId: true, e164: true, upstreamOrderId: true },
    orderBy: [{ orderedAt: 'asc' }, { e164: 'asc' }],
    take: BATCH,
  });
  const byOrder = new Map<string, { e164: string; upstreamOrderId: string | null }[]>();
  for (const n of stuck) byOrder.set(n.orderId, [...(byOrder.get(n.orderId) ?? []), n]);
  const outcome: RecoveryOutcome = { resubmitted: 0, activated: 0, failed: 0, stillPending: 0 };
  for (const [orderId, pending] of byOrder) {
    try {
      let upstreamOrderId = pending.find((n) => n.upstreamOrderId)?.upstreamOrderId ?? null;
      if (!upstreamOrderId) {
        // The same numbers as the first submission (the whole order, sorted), or the carrier would refuse the ref.
        const numbers = (await deps.db.phoneNumber.findMany({ where: { orderId }, select: { e164: true }, orderBy: { e164: 'asc' } })).map((n) => n.e164);
        upstreamOrderId = await submitOrder(deps, orderId, numbers);
        outcome.resubmitted++;
        if (!upstreamOrderId) {
          // Refused (the numbers are failed and refunded now) or still unconfirmed (next run tries again).
          continue;
        }
      }
      for (const n of pending) {
        const status = await carrier.activationStatus(upstreamOrderId, n.e164);
        if (status.status === 'pending') {
          outcome.stillPending++;
          continue;
        }
        const base = { phoneNumber: n.e164, upstreamOrderId, orderRef: orderId };
        const applied =
          status.status === 'active'
            ? await applyNumberEvent(deps, { ...base, id: `recovered:${upstreamOrderId}:${n.e164}`, type: 'number.activated', at: status.activatedAt })
            : await applyNumberEvent(deps, { ...base, id: `recovered:${upstreamOrderId}:${n.e164}`, type: 'number.activation_failed', at: status.failedAt, reason: status.reason });
        if (applied?.status === 'active') outcome.activated++;
        else if (applied?.status === 'failed') outcome.failed++;
      }
    } catch (err) {
      // The carrier is down (upstream_error) or one order is broken: the others still go, this one next run.
      if (!(err instanceof ApiError && err.code === 'upstream_error')) opts.onError?.(err, orderId);
    }
  }
  return outcome;
}
