import { auditActor, auditJsonText } from '../audit/audit.service';
import { AnsweringMachineDetection } from '../generated/prisma/enums';
import { Actor } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { PREPARED } from '../platform/db/prepared';
import { rowsOf } from '../platform/db/sql';
import { KeyedLimiter } from '../platform/keyed-limiter';

// The serialised part of placing a call: the credit hold, the daily and concurrent caps, the call row, its first
// transition and its audit row, written by one statement (place_outbound_call, migration 20261123191000) that
// takes the tenant's placement lock inside PostgreSQL and releases it when the statement ends (prepared, and on
// the plain pool outside a transaction: it commits on its own). Nothing of it
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

const PLACE_SQL = `${PREPARED}
  SELECT verdict, placed_call_id, spent_today_cents::text, held_for_calls_cents::text, calls_in_flight
    FROM place_outbound_call($1::uuid, $2::uuid, $3, $4, $5, $6::integer, $7, $8, $9, $10::timestamptz, $11, $12, $13::uuid, $14::uuid,
                             $15, $16, $17::integer, $18::integer, $19::answering_machine_detection, $20, $21, $22::uuid, $23::uuid,
                             $24, $25::jsonb, $26)`;

interface PlacementRow {
  verdict: PlacementVerdict;
  placed_call_id: string | null;
  spent_today_cents: string | null;
  held_for_calls_cents: string | null;
  calls_in_flight: number | null;
}

export async function reserveAndRecordCall(db: Db, req: PlacementRequest): Promise<PlacementOutcome> {
  const who = auditActor(req.actor);
  const c = req.call;
  const [row] = await waiting.run(req.tenantId, () =>
    rowsOf<PlacementRow>(db, PLACE_SQL, [
      req.tenantId, req.callId, req.holdCents, req.holdDescription,
      req.dailySpendCapCents, req.concurrentCallCap, req.dayStart,
      req.idempotency?.key ?? null, req.idempotency?.fingerprint ?? null, req.idempotency?.since ?? null,
      c.from, c.to, c.phoneNumberId, c.connectionId, c.destinationCountry, c.ratePrefix,
      c.carrierCostPerMinuteMillicents, c.timeoutSecs, c.answeringMachineDetection, c.record,
      c.queuedAt, c.carrierInstanceId,
      who.actorKeyId, who.actor, auditJsonText(req.auditAfter), who.requestId,
    ]),
  );
  const bigint = (v: string | null) => (v === null ? null : BigInt(v));
  return {
    verdict: row.verdict,
    callId: row.placed_call_id,
    spentTodayCents: bigint(row.spent_today_cents),
    heldForCallsCents: bigint(row.held_for_calls_cents),
    inFlight: row.calls_in_flight,
  };
}
