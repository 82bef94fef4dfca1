import { auditRowInsert, recordAudit } from '../audit/audit.service';
import { consume, extend, release } from '../billing/holds.service';
import { effectivePricing } from '../billing/plans.service';
import { Prisma } from '../generated/prisma/client';
import { CallStatus } from '../generated/prisma/enums';
import { systemActor } from '../platform/auth/scopes';
import { inPlainTransaction } from '../platform/db/plain-transaction';
import { PREPARED } from '../platform/db/prepared';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import { isUuid } from '../platform/ids';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { CallLegEvent } from './carrier-port';
import { CALL_COLUMNS, CALL_SELECT, CallView, isTerminal, recordCallEvent, transitionInsert } from './calls.events';
import { RecordedEvent } from '../events/events.service';
import { debit } from '../billing/ledger.service';
import { stopCallMedia } from './calls.media-end';
import { leaveConferencesOnHangup } from '../conferences/conferences.hangup';
import { ACTION_FEE_CENTS } from './action-fees';
import { billableSeconds, rateCall } from './rating';
import { receiveInboundCall } from './calls.inbound';

// The call state machine. A call only moves forward (queued → initiated → ringing → answered) and ends once
// (completed | busy | no_answer | failed | canceled). Each move is one transaction: the row, its transition
// row, its outbox event, its audit row and — for the end — the settlement of its hold, then the subscription
// publish after commit. Carrier events that arrive late, twice or out of order change nothing.

const RANK: Record<CallStatus, number> = { queued: 0, initiated: 1, ringing: 2, answered: 3, completed: 4, busy: 4, no_answer: 4, failed: 4, canceled: 4 };

const STAMP: Partial<Record<CallStatus, 'initiatedAt' | 'ringingAt' | 'answeredAt'>> = { initiated: 'initiatedAt', ringing: 'ringingAt', answered: 'answeredAt' };
const STAMP_COLUMN = { initiatedAt: 'initiated_at', ringingAt: 'ringing_at', answeredAt: 'answered_at' } as const;

export interface Ending {
  hangupCause: string;
  hangupSource: string;
}

/** May a call in `from` move to `to`? Forward only; nothing leaves an ended call. */
export function canMove(from: CallStatus, to: CallStatus): boolean {
  return !isTerminal(from) && RANK[to] > RANK[from];
}

/**
 * Moves a locked call to `to` at `at` (must be called in a transaction holding the call's row lock). An end
 * settles the hold in the same transaction: the rated amount consumed (one call_charge ledger entry), the
 * rest released; an unanswered call costs nothing.
 */
export async function moveCall(tx: Prisma.TransactionClient, deps: ServiceDeps, call: CallView, to: CallStatus, at: Date, ending?: Ending): Promise<CallView> {
  const stamp = STAMP[to];
  let moved: CallView;
  let settlement: Settlement | null = null;
  // The transition and audit rows are written by the event's own statement (recordEvent's alsoWrite).
  const rows = (moved: CallView, extra: Prisma.Sql[]) => (eventId: string) => [
    ...extra,
    transitionInsert(call, to, at, eventId, ending),
    auditRowInsert(systemActor(call.tenantId, `call:${call.id}`), {
      action: `call.${to}`,
      resourceType: 'call',
      resourceId: call.id,
      before: { status: call.status },
      after: { status: to, ...(isTerminal(to) ? { billable_seconds: moved.billableSeconds, charge_cents: moved.chargeCents } : {}) },
    }),
  ];
  let event: RecordedEvent;
  if (!isTerminal(to)) {
    // A move on: the row under our lock changes only as written here, so the event is built from it, and the
    // UPDATE joins the event's statement (one round trip for the whole transition).
    moved = { ...call, status: to, ...(stamp ? { [stamp]: at } : {}) };
    const update = Prisma.sql`UPDATE calls SET status = ${to}::call_status${stamp ? Prisma.sql`, ${Prisma.raw(STAMP_COLUMN[stamp])} = ${at}::timestamptz` : Prisma.empty} WHERE id = ${call.id}::uuid`;
    event = await recordCallEvent(tx, moved, at, undefined, rows(moved, [update]));
  } else {
    // Hangup can't come before what was already recorded (clocks of two sources): clamp, never rate negative time.
    const endedAt = new Date(Math.max(at.getTime(), call.answeredAt?.getTime() ?? 0, call.queuedAt.getTime()));
    settlement = await rateEnding(tx, call, to, endedAt);
    const rated = settlement.columns;
    [moved] = await tx.$queryRaw<CallView[]>`
      UPDATE calls SET status = ${to}::call_status, ended_at = ${endedAt}::timestamptz, hangup_cause = ${ending?.hangupCause ?? null},
                       hangup_source = ${ending?.hangupSource ?? null}, billable_seconds = ${rated.billableSeconds}::integer,
                       included_seconds = ${rated.includedSeconds}::integer, charge_cents = ${rated.chargeCents}::bigint,
                       markup_bps = COALESCE(${rated.markupBps ?? null}::integer, markup_bps)
       WHERE id = ${call.id}::uuid RETURNING ${CALL_COLUMNS}`;
    const [running] = await tx.$queryRaw<{ media: boolean; conference: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM recordings WHERE call_id = ${call.id}::uuid AND status = 'recording')
             OR EXISTS (SELECT 1 FROM call_media_sessions WHERE call_id = ${call.id}::uuid AND status = 'active') AS media,
             EXISTS (SELECT 1 FROM conference_participants WHERE call_id = ${call.id}::uuid AND status = 'joined') AS conference`;
    // What the call was running stops first, so its events come before the call's hangup in the call's sequence.
    if (running.media) await stopCallMedia(tx, moved, moved.endedAt ?? at);
    // And a call in a conference leaves it (the conference's events are of the conference, in its own sequence).
    if (running.conference) await leaveConferencesOnHangup(tx, deps, moved, moved.endedAt ?? at);
    event = await recordCallEvent(tx, moved, at, undefined, rows(moved, []));
  }
  // The money moves last: settling the hold locks the tenant's row (balance, held) until this transaction
  // commits, and every placement and charge of the tenant waits on that row meanwhile.
  if (settlement) moved = await settleHold(tx, deps, moved, settlement);
  if (to === 'answered' && call.answeringMachineDetection !== 'disabled') {
    // Detection starts with the answer: its fee is owed from then on (charged even past the balance, once).
    await debit(
      withDb(deps, tx),
      {
        tenantId: call.tenantId,
        kind: 'action_fee',
        amountCents: ACTION_FEE_CENTS.answering_machine_detection,
        description: `Answering-machine detection on the call to ${call.toNumber}`,
        reference: { type: 'call', id: call.id },
        dedupeKey: `call_amd:${call.id}`,
      },
      { force: true },
    );
  }
  afterCommit(tx, () =>
    deps.pubSub.publish('CALL_STATUS_CHANGED', call.tenantId, {
      tenantId: call.tenantId, callId: call.id, status: to, eventId: event.id, eventType: event.type, sequence: event.sequence, occurredAt: at.toISOString(),
      committedAt: new Date().toISOString(),
    }),
  );
  return moved;
}

interface Settlement {
  /** The rating columns of the ending call (its markup stays as placed when unrated). */
  columns: { billableSeconds: number; includedSeconds: number; chargeCents: bigint; markupBps?: number };
  /** What happens to its hold: charged (topped up first when the call outgrew it), or given back. */
  hold: { kind: 'consume'; amountCents: bigint; extraCents: bigint; chargedSeconds: number; billableSeconds: number } | { kind: 'release' } | null;
}

/** How an ending call is rated and what its hold will settle to; nothing moves money yet (settleHold does). */
async function rateEnding(tx: Prisma.TransactionClient, call: CallView, to: CallStatus, endedAt: Date): Promise<Settlement> {
  const [hold] = call.holdId
    ? await tx.$queryRaw<{ status: string; amountCents: bigint }[]>`SELECT status::text, amount_cents AS "amountCents" FROM credit_holds WHERE id = ${call.holdId}::uuid`
    : [];
  const holdActive = hold?.status === 'active';
  if (to !== 'completed' || !call.answeredAt) {
    return { columns: { billableSeconds: 0, includedSeconds: 0, chargeCents: 0n }, hold: holdActive ? { kind: 'release' } : null };
  }
  const pricing = await effectivePricing(tx, call.tenantId);
  let includedLeft = 0;
  if (pricing.includedMinutes > 0 && pricing.periodStart) {
    // One rating at a time per tenant with included minutes, so two calls ending together cannot both spend the
    // same ones. Tenants without included minutes have nothing to share and do not wait.
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`calls-rating:${call.tenantId}`}, 0))::text`;
    const [{ used }] = await tx.$queryRaw<{ used: bigint }[]>`
      SELECT COALESCE(SUM(included_seconds), 0)::bigint AS used FROM calls
      WHERE tenant_id = ${call.tenantId}::uuid AND ended_at >= ${pricing.periodStart} AND id <> ${call.id}::uuid`;
    includedLeft = Math.max(0, pricing.includedMinutes * 60 - Number(used));
  }
  const rating = rateCall({
    billableSeconds: billableSeconds(call.answeredAt, endedAt),
    includedSecondsLeft: includedLeft,
    carrierMillicentsPerMinute: call.carrierCostPerMinuteMillicents,
    markupBps: pricing.markupBps,
  });
  const charged = holdActive && rating.amountCents > 0n;
  return {
    columns: { billableSeconds: rating.billableSeconds, includedSeconds: rating.includedSeconds, markupBps: pricing.markupBps, chargeCents: charged ? rating.amountCents : 0n },
    hold: charged
      ? {
          kind: 'consume',
          amountCents: rating.amountCents,
          // A call that talked past its estimate finishes normally: the hold is topped up (owed, so even past zero).
          extraCents: rating.amountCents > hold.amountCents ? rating.amountCents - hold.amountCents : 0n,
          chargedSeconds: rating.chargedSeconds,
          billableSeconds: rating.billableSeconds,
        }
      : holdActive
        ? { kind: 'release' }
        : null,
  };
}

/** Settles the ending call's hold as rated: one call_charge ledger entry for what it cost, the rest released. */
async function settleHold(tx: Prisma.TransactionClient, deps: ServiceDeps, call: CallView, settlement: Settlement): Promise<CallView> {
  const txDeps = withDb(deps, tx);
  const transactionId = `call:${call.id}`;
  const hold = settlement.hold;
  if (!hold) return call;
  if (hold.kind === 'release') {
    await release(txDeps, { tenantId: call.tenantId, transactionId });
    return call;
  }
  if (hold.extraCents > 0n) await extend(txDeps, { tenantId: call.tenantId, transactionId, extraCents: hold.extraCents, force: true });
  const consumed = await consume(txDeps, {
    tenantId: call.tenantId,
    transactionId,
    actualCents: hold.amountCents,
    kind: 'call_charge',
    description: `${call.direction === 'inbound' ? `Inbound call from ${call.fromNumber} to ${call.toNumber}` : `Call to ${call.toNumber}`}, ${hold.chargedSeconds} s charged of ${hold.billableSeconds} s`,
    reference: { type: 'call', id: call.id },
    // The call points at its charge, set by the charge's own statement: the tenant's row it locks is then held
    // for that statement and the commit only, not for one more round trip through the event loop.
    alsoWithEntry: Prisma.sql`UPDATE calls SET charge_ledger_entry_id = (SELECT id FROM entry) WHERE id = ${call.id}::uuid`,
  });
  // Under the call's row lock nothing else changes it: the view is the row as the statement left it.
  return { ...call, chargeLedgerEntryId: consumed.ledgerEntryId };
}

/** The call, locked until the transaction ends, read in the same statement. */
export async function lockCall(tx: Prisma.TransactionClient, id: string): Promise<CallView | null> {
  const [locked] = await tx.$queryRaw<CallView[]>`${Prisma.raw(PREPARED)} SELECT ${CALL_COLUMNS} FROM calls WHERE id = ${id}::uuid FOR UPDATE`;
  return locked ?? null;
}

/** The status a carrier event moves a call to (machine detection changes none: the call stays answered). */
export function statusOf(event: CallLegEvent): CallStatus {
  switch (event.type) {
    case 'call.machine_detection.ended':
      return 'answered';
    case 'call.incoming':
      return 'ringing';
    case 'call.initiated':
      return 'initiated';
    case 'call.ringing':
      return 'ringing';
    case 'call.answered':
      return 'answered';
    case 'call.hangup':
      return event.outcome === 'answered' ? 'completed' : (event.outcome ?? 'failed');
  }
}

export type Applied = 'applied' | 'ignored' | 'unknown_call';

/** One carrier event. Idempotent: an event that doesn't move the call forward is ignored. */
export async function applyCallEvent(deps: ServiceDeps, event: CallLegEvent): Promise<Applied> {
  if (!isUuid(event.callRef)) return 'ignored';
  if (event.type === 'call.incoming') return receiveInboundCall(deps, event);
  // A call's moves and its end write with raw statements only: they run on a plain connection, without the
  // client's per-statement cost (an end that must stop media or leave a conference is re-run on the client).
  const moves = event.type !== 'call.machine_detection.ended';
  return (moves ? inPlainTransaction : inTransaction)(deps.db, async (tx) => {
    const call = await lockCall(tx, event.callRef);
    if (!call) return 'unknown_call';
    if (event.type === 'call.machine_detection.ended') return recordMachineDetection(tx, call, event);
    const to = statusOf(event);
    if (!canMove(call.status, to)) return 'ignored';
    const ending = event.type === 'call.hangup' ? { hangupCause: event.hangupCause ?? 'normal_clearing', hangupSource: event.hangupSource ?? 'carrier' } : undefined;
    await moveCall(tx, deps, call, to, event.at, ending);
    return 'applied';
  });
}

/** Who answered, on an answered call that asked for detection; reported once. */
async function recordMachineDetection(tx: Prisma.TransactionClient, call: CallView, event: CallLegEvent): Promise<Applied> {
  if (call.status !== 'answered' || call.amdResult || !event.amdResult) return 'ignored';
  const updated = await tx.call.update({ where: { id: call.id }, data: { amdResult: event.amdResult }, select: CALL_SELECT });
  await recordCallEvent(tx, updated, event.at, 'call.machine_detection.ended');
  await recordAudit(tx, systemActor(call.tenantId, `call:${call.id}`), { action: 'call.machine_detection_ended', resourceType: 'call', resourceId: call.id, after: { amd_result: event.amdResult } });
  return 'applied';
}

const chains = new Map<string, Promise<unknown>>();
export const RETRY_DELAYS_MS = [10, 20, 40, 80, 160, 320, 640, 1280, 2560];

/**
 * Applies a call's events one after another, in the order they were handed in. An event can reach us before
 * the placing transaction commits (an idempotent request dials inside its transaction): the call is not
 * visible yet, so it is retried for a few seconds; the recovery job catches anything later than that.
 */
export function applyInOrder(deps: ServiceDeps, event: CallLegEvent): Promise<Applied> {
  const previous = chains.get(event.callRef) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => applyWithRetry(deps, event));
  chains.set(event.callRef, next);
  void next.catch(() => undefined).finally(() => {
    if (chains.get(event.callRef) === next) chains.delete(event.callRef);
  });
  return next;
}

async function applyWithRetry(deps: ServiceDeps, event: CallLegEvent): Promise<Applied> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await applyCallEvent(deps, event);
    if (outcome !== 'unknown_call' || attempt >= RETRY_DELAYS_MS.length) return outcome;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
  }
}

/** Wires the carrier's call progress to the state machine; returns the unsubscribe. */
export function startCallProgress(deps: ServiceDeps, onError: (err: unknown, event: CallLegEvent) => void): () => void {
  if (!deps.callCarrier) return () => {};
  return deps.callCarrier.onCallEvent((event) =>
    applyInOrder(deps, event)
      .then((outcome) => hangUpOrphanLeg(deps, event, outcome))
      .then(undefined, (err) => onError(err, event)),
  );
}

/**
 * A dial whose answer was lost (the carrier placed the call, the gateway heard an error) leaves a leg ringing
 * for a call the user was told failed: ended without a leg, or never committed (an idempotent request's
 * transaction rolled back). Its first event gives it away; it is hung up then, so nobody talks on a call that
 * is not billed and the callee is not rung for nothing.
 */
async function hangUpOrphanLeg(deps: ServiceDeps, event: CallLegEvent, outcome: Applied): Promise<void> {
  if (outcome === 'applied' || event.type === 'call.hangup' || !isUuid(event.callRef)) return;
  if (outcome === 'ignored') {
    const call = await deps.db.call.findUnique({ where: { id: event.callRef }, select: { status: true, upstreamCallId: true } });
    if (!call || !isTerminal(call.status) || call.upstreamCallId === event.upstreamCallId) return;
  }
  await deps.callCarrier!.hangup(event.upstreamCallId).catch((err: { code?: string }) => {
    if (err?.code !== 'call_already_ended') throw err; // hung up meanwhile (placeCall does the same): done
  });
}
