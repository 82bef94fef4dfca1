import { ServiceDeps } from '../platform/service-deps';
import { CallLegEvent } from './carrier-port';
import { IN_FLIGHT, DEFAULT_HOLD_ESTIMATE_MINUTES } from './calls.checks';
import { carrierSessions } from './calls.ownership';
import { applyInOrder } from './calls.progress';
import { endWithoutCarrier, requireCallCarrier } from './calls.service';

// Holds are always settled. Calls in flight whose carrier leg is gone — the gateway (and its in-process carrier)
// restarted mid-call, or an event was lost — are found here and ended: at startup, then periodically.
//
// Only the instance whose carrier dialled a call can ask about its leg (calls.ownership.ts). Calls of another
// instance that still runs are left alone; calls of an instance that is gone lost their leg with it.
// - Our carrier still has the leg and it ended: its hangup (and answer) are applied as if the events had come.
// - The leg is lost (our carrier has no such leg, or its instance is gone): an unanswered call fails (cause
//   carrier_leg_lost, no charge); an answered one ends, billed from its answer for at most the estimate its hold
//   was frozen for (we cannot know when the lost leg really hung up, so the customer is never charged more than
//   what was reserved) and, when its instance died, no later than that instance was last seen running.
// - A call still queued without a leg is a placement that never reached the carrier (after `graceMs`).

export interface RecoveryOptions {
  /** Calls younger than this are left alone when they have no leg yet: their placement may be in progress. */
  graceMs?: number;
}

export async function recoverCalls(deps: ServiceDeps, opts: RecoveryOptions = {}): Promise<{ checked: number; settled: number }> {
  const carrier = requireCallCarrier(deps);
  const now = deps.clock.now();
  const graceMs = opts.graceMs ?? 30_000;
  const inFlight = await deps.db.call.findMany({
    where: { status: { in: [...IN_FLIGHT] } },
    select: { id: true, upstreamCallId: true, answeredAt: true, createdAt: true, carrierInstanceId: true },
    orderBy: { createdAt: 'asc' },
    take: 1000,
  });
  const sessionOf = await carrierSessions(deps, inFlight.map((c) => c.carrierInstanceId));
  const ending = { hangupCause: 'carrier_leg_lost', hangupSource: 'system' };
  let checked = 0;
  let settled = 0;
  for (const call of inFlight) {
    const session = sessionOf(call.carrierInstanceId);
    if (session.kind === 'elsewhere') continue;
    checked++;
    if (!call.upstreamCallId && session.kind === 'mine') {
      if (now.getTime() - call.createdAt.getTime() < graceMs) continue;
      if (await endWithoutCarrier(deps, call.id, 'failed', { hangupCause: 'carrier_leg_lost', hangupSource: 'system' })) settled++;
      continue;
    }
    const leg = session.kind === 'mine' && call.upstreamCallId ? await carrier.leg(call.upstreamCallId) : null;
    if (leg && leg.state !== 'ended') continue;
    if (leg && call.upstreamCallId) {
      const base = { upstreamCallId: leg.upstreamCallId, callRef: call.id };
      if (leg.answeredAt) await applyInOrder(deps, { ...base, id: `${leg.upstreamCallId}:recovered-answer`, type: 'call.answered', at: leg.answeredAt });
      const hangup: CallLegEvent = { ...base, id: `${leg.upstreamCallId}:recovered-hangup`, type: 'call.hangup', at: leg.endedAt ?? now, outcome: leg.outcome ?? 'failed', hangupCause: leg.hangupCause ?? 'normal_clearing', hangupSource: 'carrier' };
      if ((await applyInOrder(deps, hangup)) === 'applied') settled++;
      continue;
    }
    if (call.answeredAt) {
      const cap = call.answeredAt.getTime() + (deps.callHoldEstimateMinutes ?? DEFAULT_HOLD_ESTIMATE_MINUTES) * 60_000;
      const lastAlive = session.kind === 'gone' && session.lastSeen ? session.lastSeen.getTime() : now.getTime();
      if (await endWithoutCarrier(deps, call.id, 'completed', ending, new Date(Math.min(now.getTime(), lastAlive, cap)))) settled++;
    } else if (await endWithoutCarrier(deps, call.id, 'failed', ending)) {
      settled++;
    }
  }
  return { checked, settled };
}
