import { auditActor, auditJsonText } from '../audit/audit.service';
import { AnsweringMachineDetection } from '../generated/prisma/enums';
import { Actor } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { KeyedLimiter } from '../platform/keyed-limiter';

// The serialised part of placing a call: the credit hold, the daily and concurrent caps, the call row, its first
// transition and its audit row, written by one statement (place_outbound_call, migration 20261123191000) that
// takes the tenant's placement lock inside PostgreSQL and releases it when the statement ends. Nothing of it
// waits on the gateway, so the lock lasts as long as the SQL does, not as long as a busy event loop takes.

export type PlacementVerdict = 'placed' | 'existing' | 'key_reused' | 'balance_insufficient' | 'daily_spend_cap_exceeded' | 'concurrent_call_cap_exceeded';

export interface PlacementRequest {
  tenantId: string;
  callId: string;
  holdCents: bigint;
  holdDescription: string;
  dailySpendCapCents: bigint;
  concurrentCallCap: number;
  dayStart: Date;
  /**
   * The request's Idempotency-Key and a hash of what it asked: a retry finds its call instead of placing another.
   * A call placed with the key before `since` no longer holds it (keys expire, as their stored responses do).
   */
  idempotency: { key: string; fingerprint: string; since: Date } | null;
  call: {
    from: string;
    to: string;
    phoneNumberId: string | null;
    connectionId: string | null;
    destinationCountry: string;
    ratePrefix: string;
    carrierCostPerMinuteMillicents: number;
    timeoutSecs: number;
    answeringMachineDetection: AnsweringMachineDetection;
    record: boolean;
    queuedAt: Date;
    carrierInstanceId: string | null;
  };
  actor: Actor;
  auditAfter: Record<string, unknown>;
}

export interface PlacementOutcome {
  verdict: PlacementVerdict;
  /** The call placed, or the one an earlier request with the same key placed. */
  callId: string | null;
  spentTodayCents: bigint | null;
  /** What in-flight calls hold, this one's estimate included. */
  heldForCallsCents: bigint | null;
  inFlight: number | null;
}

/**
 * A few placements per tenant wait inside PostgreSQL on its lock (handed on without a trip through the event
 * loop); the rest of a burst waits here without holding a pooled connection.
 */
const PLACEMENTS_IN_DATABASE_PER_TENANT = 4;
const waiting = new KeyedLimiter(PLACEMENTS_IN_DATABASE_PER_TENANT);

export async function reserveAndRecordCall(db: Db, req: PlacementRequest): Promise<PlacementOutcome> {
  const who = auditActor(req.actor);
  const c = req.call;
  const [row] = await waiting.run(req.tenantId, () =>
    db.$queryRaw<{ verdict: PlacementVerdict; placed_call_id: string | null; spent_today_cents: bigint | null; held_for_calls_cents: bigint | null; calls_in_flight: number | null }[]>`
      SELECT * FROM place_outbound_call(
        ${req.tenantId}::uuid, ${req.callId}::uuid, ${req.holdCents}, ${req.holdDescription},
        ${req.dailySpendCapCents}, ${req.concurrentCallCap}::integer, ${req.dayStart},
        ${req.idempotency?.key ?? null}, ${req.idempotency?.fingerprint ?? null}, ${req.idempotency?.since ?? null}::timestamptz,
        ${c.from}, ${c.to}, ${c.phoneNumberId}::uuid, ${c.connectionId}::uuid, ${c.destinationCountry}, ${c.ratePrefix},
        ${c.carrierCostPerMinuteMillicents}::integer, ${c.timeoutSecs}::integer, ${c.answeringMachineDetection}::answering_machine_detection, ${c.record},
        ${c.queuedAt}, ${c.carrierInstanceId}::uuid,
        ${who.actorKeyId}::uuid, ${who.actor}, ${auditJsonText(req.auditAfter)}::jsonb, ${who.requestId})`,
  );
  return {
    verdict: row.verdict,
    callId: row.placed_call_id,
    spentTodayCents: row.spent_today_cents,
    heldForCallsCents: row.held_for_calls_cents,
    inFlight: row.calls_in_flight,
  };
}
