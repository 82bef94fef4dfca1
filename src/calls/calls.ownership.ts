import { instanceStates } from '../platform/instance';
import { ServiceDeps } from '../platform/service-deps';

// Whose carrier holds a call's leg. Every gateway instance runs its own in-process carrier, so only the instance
// that dialled can ask about the leg; the others must leave the call alone while that instance runs, and may
// settle it once the instance is gone (its heartbeat stale, or it stopped): its carrier, and the leg, went with it.

export type CarrierSession =
  /** This instance's carrier holds it (or nobody recorded an owner: calls from before owners were recorded). */
  | { kind: 'mine' }
  /** Another instance that still runs holds it: not ours to touch. */
  | { kind: 'elsewhere' }
  /** The owning instance is gone, and the leg with it; `lastSeen` is when it was last known to run. */
  | { kind: 'gone'; lastSeen: Date | null };

/** Instances are taken to be gone this long after their last heartbeat unless configured (INSTANCE_STALE_AFTER_MS). */
export const DEFAULT_INSTANCE_STALE_AFTER_MS = 30_000;

/** The carrier session of each owner id given (null: no owner recorded). */
export async function carrierSessions(deps: ServiceDeps, owners: (string | null)[]): Promise<(owner: string | null) => CarrierSession> {
  const me = deps.carrierInstance?.id ?? null;
  const others = [...new Set(owners.filter((o): o is string => o !== null && o !== me))];
  const states = await instanceStates(deps.db, others, deps.carrierInstance?.staleAfterMs ?? DEFAULT_INSTANCE_STALE_AFTER_MS);
  return (owner) => {
    if (owner === null || owner === me) return { kind: 'mine' };
    const state = states.get(owner);
    return state?.alive ? { kind: 'elsewhere' } : { kind: 'gone', lastSeen: state?.lastSeen ?? null };
  };
}
