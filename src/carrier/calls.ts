import { Clock } from '../platform/clock';
import { CarrierError, invalidNumber } from './errors';
import { parseE164 } from './e164';
import { EventOutbox } from './events';
import { hash32, unitFrom } from './random';
import { TimerSet } from './timers';
import { randomUUID } from 'node:crypto';
import { CallEvent, CallEventType, CallLegStatus, CallOutcome, CallScript, DialAccepted, DialRequest, HangupCause, InboundRejectCause, InboundRingRequest } from './types';

/**
 * Outbound call legs: queued with the carrier → initiated → ringing → answered → hangup, or busy, no answer,
 * failure or the caller giving up. How a call ends is decided by its destination, deterministically:
 *
 *   national number ending in 486 → busy (SIP 486 Busy Here)
 *                              408 → nobody answers; hangup with cause timeout after `timeoutSecs` of ringing
 *                              503 → failed (the far network refuses it)
 *                              487 → the caller gives up while it rings (canceled)
 *   anything else                  → answered after 2–7 s of ringing, 15–300 s of conversation (fixed per seed and number)
 *
 * With answering-machine detection, 3 s after the answer a call.machine_detection.ended event says human or
 * machine (about a quarter of numbers reach a machine, fixed per seed and number).
 *
 * Timings are in simulated seconds; `timeScale` compresses the real waits, never the timestamps: every event is
 * stamped dial time + simulated offset, so a 60 s conversation is 60 s long on paper even when it plays in 6 ms.
 */

export interface CallSettings {
  seed: string;
  timeScale: number;
  clock: Clock;
  /** How long an inbound call rings unanswered before the carrier gives up (simulated seconds). */
  inboundRingTimeoutSecs: number;
  /** Real ms an ended leg is remembered; then it is forgotten, so a long-running simulator does not grow. */
  endedLegRetentionMs: number;
}

/** A caller whose number ends so fails the carrier's reputation check (as a robocall-flagged number would). */
export const SUSPICIOUS_CALLER_ENDING = '666';

const INITIATED_AFTER_MS = 200;
/** Answering-machine detection listens this long after the answer before it decides. */
const AMD_DECISION_MS = 3000;
const RINGING_AFTER_MS = 1000;
const FAILED_AFTER_MS = 800;

const PATTERNS: Readonly<Record<string, CallOutcome>> = { '486': 'busy', '408': 'no_answer', '503': 'failed', '487': 'canceled' };

interface Step {
  type: CallEventType;
  /** Simulated ms after the dial. */
  offsetMs: number;
  outcome?: CallOutcome;
  hangupCause?: HangupCause;
  hangupSource?: CallEvent['hangupSource'];
  amdResult?: CallEvent['amdResult'];
}

interface Leg {
  id: string;
  direction: 'outbound' | 'inbound';
  callRef: string;
  from: string;
  to: string;
  dialedAt: number;
  dialedReal: number;
  steps: Step[];
  /** Index of the next step to emit. */
  next: number;
  timers: NodeJS.Timeout[];
  answeredAt: number | null;
  endedAt: number | null;
  outcome: CallOutcome | null;
  hangupCause: HangupCause | null;
  hangupEvent: CallEvent | null;
  lastAt: number;
  /** Inbound legs: how long the caller talks once answered (simulated ms). */
  talkMs: number;
}

/** What the media side (recordings, streams, gathers) needs to know of a leg. */
export interface LiveLeg {
  upstreamCallId: string;
  callRef: string;
  answered: boolean;
  ended: boolean;
  /** The leg's simulated "now" (or its end, once ended). */
  now: Date;
}

export class CallLegs {
  /** Told when a leg ends (hung up by either side), at its simulated end time: media and conferences let it go. */
  private readonly endListeners: ((upstreamCallId: string, at: Date) => void)[] = [];
  private readonly legs = new Map<string, Leg>();
  private readonly byRef = new Map<string, Leg>();
  private readonly scripts = new Map<string, CallScript[]>();
  /** Ended legs by when they ended (real ms), oldest first: the ones past their retention are forgotten. */
  private readonly ended = new Map<Leg, number>();
  private liveCount = 0;

  constructor(
    private readonly timers: TimerSet,
    private readonly outbox: EventOutbox<CallEvent>,
    private readonly settings: CallSettings,
  ) {}

  dial(req: DialRequest): DialAccepted {
    if (typeof req?.callRef !== 'string' || req.callRef.length === 0) throw new CarrierError('order_invalid', 'callRef is required');
    const existing = this.byRef.get(req.callRef);
    // The carrier dedupes by callRef: a gateway retrying a dial it isn't sure about never rings the callee twice.
    if (existing) return { upstreamCallId: existing.id, acceptedAt: new Date(existing.dialedAt) };
    if (!parseE164(req.from)) throw invalidNumber(req.from);
    if (!parseE164(req.to)) throw invalidNumber(req.to);
    if (!Number.isInteger(req.timeoutSecs) || req.timeoutSecs < 1) throw new CarrierError('order_invalid', 'timeoutSecs must be a whole number ≥ 1');
    const dialedAt = this.settings.clock.now().getTime();
    const id = `cl_${hex32(hash32(this.settings.seed, 'call', req.callRef))}${hex32(hash32(this.settings.seed, 'call-2', req.callRef))}`;
    const leg: Leg = {
      id, direction: 'outbound', callRef: req.callRef, from: req.from, to: req.to, dialedAt, dialedReal: Date.now(), steps: this.plan(req), next: 0, timers: [],
      answeredAt: null, endedAt: null, outcome: null, hangupCause: null, hangupEvent: null, lastAt: dialedAt, talkMs: 0,
    };
    this.remember(leg);
    for (const step of leg.steps) leg.timers.push(this.timers.start(step.offsetMs * this.settings.timeScale, () => this.emitNext(leg)));
    return { upstreamCallId: id, acceptedAt: new Date(dialedAt) };
  }

  /**
   * Ends a leg at once (the caller hung up): completed when answered, canceled before. Idempotent: a leg that
   * already ended answers its hangup event again. Returns the hangup event (also published).
   */
  hangup(upstreamCallId: string): CallEvent {
    const leg = this.legs.get(upstreamCallId);
    if (!leg) throw new CarrierError('order_not_found', `no call leg ${upstreamCallId}`);
    if (leg.hangupEvent) return leg.hangupEvent;
    for (const t of leg.timers) this.timers.cancel(t);
    const at = this.nowOf(leg);
    const answered = leg.answeredAt !== null;
    return this.emit(leg, {
      type: 'call.hangup',
      offsetMs: at - leg.dialedAt,
      outcome: answered ? 'answered' : 'canceled',
      hangupCause: answered ? 'normal_clearing' : leg.direction === 'inbound' ? 'call_rejected' : 'originator_cancel',
      // The gateway's side of an inbound call is the called one.
      hangupSource: leg.direction === 'inbound' ? 'callee' : 'caller',
    });
  }

  whenLegEnds(listener: (upstreamCallId: string, at: Date) => void): void {
    this.endListeners.push(listener);
  }

  /** The leg as the media side sees it; null for a leg the carrier never had. */
  live(upstreamCallId: string): LiveLeg | null {
    const leg = this.legs.get(upstreamCallId);
    if (!leg) return null;
    return { upstreamCallId: leg.id, callRef: leg.callRef, answered: leg.answeredAt !== null, ended: leg.hangupEvent !== null, now: new Date(leg.endedAt ?? this.nowOf(leg)) };
  }

  /**
   * Simulated "now" on a leg: real time elapsed, stretched back by the scale, but never before what was already
   * reported nor after the next step that has not happened yet.
   */
  private nowOf(leg: Leg): number {
    const nextDue = leg.dialedAt + (leg.steps[leg.next]?.offsetMs ?? Number.POSITIVE_INFINITY);
    const elapsed = this.settings.timeScale > 0 ? (Date.now() - leg.dialedReal) / this.settings.timeScale : 0;
    return Math.max(leg.lastAt, Math.min(leg.dialedAt + elapsed, nextDue));
  }

  status(upstreamCallId: string): CallLegStatus | null {
    const leg = this.legs.get(upstreamCallId);
    if (!leg) return null;
    const last = leg.next > 0 ? leg.steps[leg.next - 1].type : null;
    const state = leg.hangupEvent ? 'ended' : leg.direction === 'inbound' && leg.answeredAt === null ? 'ringing' : last === 'call.answered' || last === 'call.machine_detection.ended' ? 'answered' : last === 'call.ringing' ? 'ringing' : last === 'call.initiated' ? 'initiated' : 'dialing';
    return {
      upstreamCallId: leg.id,
      callRef: leg.callRef,
      state,
      answeredAt: leg.answeredAt === null ? null : new Date(leg.answeredAt),
      endedAt: leg.endedAt === null ? null : new Date(leg.endedAt),
      outcome: leg.outcome,
      hangupCause: leg.hangupCause,
    };
  }

  /**
   * Someone calls `to` (inbound). The leg rings at once and the carrier announces it with a call.incoming event
   * (also returned); the call ref is the carrier's, a UUID the gateway keeps as the call's id. Unanswered, the
   * leg ends no_answer (cause timeout) after the ring timeout, or canceled when the caller gives up first.
   */
  ring(req: InboundRingRequest): CallEvent {
    if (!parseE164(req?.from)) throw invalidNumber(req?.from);
    if (!parseE164(req.to)) throw invalidNumber(req.to);
    const ringTimeoutSecs = req.ringTimeoutSecs ?? this.settings.inboundRingTimeoutSecs;
    for (const [name, v] of [['ringTimeoutSecs', ringTimeoutSecs], ['talkSeconds', req.talkSeconds], ['callerHangsUpAfterSecs', req.callerHangsUpAfterSecs]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new CarrierError('order_invalid', `${name} must be a whole number ≥ 1`);
    }
    const callRef = randomUUID();
    const rungAt = this.settings.clock.now().getTime();
    const id = `cl_${hex32(hash32(this.settings.seed, 'inbound', callRef))}${hex32(hash32(this.settings.seed, 'inbound-2', callRef))}`;
    const timeoutMs = ringTimeoutSecs * 1000;
    const giveUpMs = req.callerHangsUpAfterSecs !== undefined ? req.callerHangsUpAfterSecs * 1000 : Number.POSITIVE_INFINITY;
    const end: Step =
      giveUpMs < timeoutMs
        ? { type: 'call.hangup', offsetMs: giveUpMs, outcome: 'canceled', hangupCause: 'originator_cancel', hangupSource: 'caller' }
        : { type: 'call.hangup', offsetMs: timeoutMs, outcome: 'no_answer', hangupCause: 'timeout', hangupSource: 'carrier' };
    const leg: Leg = {
      id, direction: 'inbound', callRef, from: req.from, to: req.to, dialedAt: rungAt, dialedReal: Date.now(), steps: [end], next: 0, timers: [],
      answeredAt: null, endedAt: null, outcome: null, hangupCause: null, hangupEvent: null, lastAt: rungAt,
      talkMs: 1000 * (req.talkSeconds ?? 15 + Math.floor(unitFrom(this.settings.seed, 'inbound-talk', req.from) * 286)),
    };
    this.remember(leg);
    leg.timers.push(this.timers.start(end.offsetMs * this.settings.timeScale, () => this.emitNext(leg)));
    const incoming: CallEvent = {
      id: `${id}:call.incoming`, type: 'call.incoming', upstreamCallId: id, callRef, at: new Date(rungAt),
      inbound: { from: req.from, to: req.to, ringTimeoutSecs, suspicious: req.suspicious ?? req.from.endsWith(SUSPICIOUS_CALLER_ENDING) },
    };
    this.outbox.publish(incoming);
    return incoming;
  }

  /** The called side picks up a ringing inbound leg; answers its call.answered event (again, when already answered). */
  answer(upstreamCallId: string): CallEvent {
    const leg = this.inboundLeg(upstreamCallId);
    if (leg.answeredAt !== null && !leg.hangupEvent) return { id: `${leg.id}:call.answered`, type: 'call.answered', upstreamCallId: leg.id, callRef: leg.callRef, at: new Date(leg.answeredAt) };
    if (leg.hangupEvent) throw new CarrierError('call_leg_ended', `call leg ${upstreamCallId} already ended`);
    for (const t of leg.timers) this.timers.cancel(t);
    const at = this.nowOf(leg) - leg.dialedAt;
    // From the answer on, the caller talks for its talk time and hangs up.
    leg.steps = [{ type: 'call.answered', offsetMs: at }, { type: 'call.hangup', offsetMs: at + leg.talkMs, outcome: 'answered', hangupCause: 'normal_clearing', hangupSource: 'caller' }];
    leg.next = 0;
    leg.timers = [this.timers.start(leg.talkMs * this.settings.timeScale, () => this.emitNext(leg))];
    return this.emit(leg, leg.steps[0]);
  }

  /** The called side refuses a ringing inbound leg: busy for the caller (failed for a number nobody has). call_leg_ended once it hung up. */
  reject(upstreamCallId: string, cause: InboundRejectCause): CallEvent {
    const leg = this.inboundLeg(upstreamCallId);
    if (leg.hangupEvent) throw new CarrierError('call_leg_ended', `call leg ${upstreamCallId} already ended`);
    if (leg.answeredAt !== null) throw new CarrierError('order_invalid', `call leg ${upstreamCallId} is answered: hang it up instead`);
    for (const t of leg.timers) this.timers.cancel(t);
    const offsetMs = this.nowOf(leg) - leg.dialedAt;
    return this.emit(leg, { type: 'call.hangup', offsetMs, outcome: cause === 'unallocated_number' ? 'failed' : 'busy', hangupCause: cause, hangupSource: 'callee' });
  }

  private inboundLeg(upstreamCallId: string): Leg {
    const leg = this.legs.get(upstreamCallId);
    if (!leg) throw new CarrierError('order_not_found', `no call leg ${upstreamCallId}`);
    if (leg.direction !== 'inbound') throw new CarrierError('order_invalid', `call leg ${upstreamCallId} is outbound`);
    return leg;
  }

  /** The next call to `to` follows this script instead of its pattern (scripts queue per number). */
  script(to: string, script: CallScript): void {
    const list = this.scripts.get(to) ?? [];
    list.push(script);
    this.scripts.set(to, list);
  }

  activeCount(): number {
    return this.liveCount;
  }

  private remember(leg: Leg): void {
    this.legs.set(leg.id, leg);
    this.byRef.set(leg.callRef, leg);
    this.liveCount++;
  }

  /** A leg just ended: it is kept for the retention, and those ended before that are forgotten now. */
  private retire(leg: Leg): void {
    this.liveCount--;
    const now = Date.now();
    this.ended.set(leg, now);
    for (const [old, endedAt] of this.ended) {
      if (now - endedAt < this.settings.endedLegRetentionMs) break;
      this.ended.delete(old);
      if (this.legs.get(old.id) === old) this.legs.delete(old.id);
      if (this.byRef.get(old.callRef) === old) this.byRef.delete(old.callRef);
    }
  }

  private plan(req: DialRequest): Step[] {
    const scripted = this.scripts.get(req.to)?.shift();
    const outcome = scripted?.outcome ?? PATTERNS[req.to.slice(-3)] ?? 'answered';
    const ringMs = 1000 * (scripted?.ringSeconds ?? 2 + Math.floor(unitFrom(this.settings.seed, 'ring', req.to) * 6));
    const talkMs = 1000 * (scripted?.talkSeconds ?? 15 + Math.floor(unitFrom(this.settings.seed, 'talk', req.to) * 286));
    const initiated: Step = { type: 'call.initiated', offsetMs: INITIATED_AFTER_MS };
    const ringing: Step = { type: 'call.ringing', offsetMs: RINGING_AFTER_MS };
    const hangup = (offsetMs: number, o: CallOutcome, hangupCause: HangupCause, hangupSource: Step['hangupSource']): Step => ({ type: 'call.hangup', offsetMs, outcome: o, hangupCause, hangupSource });
    const timeoutMs = req.timeoutSecs * 1000;
    switch (outcome) {
      case 'busy':
        return [initiated, hangup(RINGING_AFTER_MS, 'busy', 'user_busy', 'callee')];
      case 'failed':
        return [initiated, hangup(FAILED_AFTER_MS, 'failed', 'call_rejected', 'carrier')];
      case 'canceled':
        return [initiated, ringing, hangup(RINGING_AFTER_MS + Math.min(ringMs, timeoutMs), 'canceled', 'originator_cancel', 'caller')];
      case 'no_answer':
        return [initiated, ringing, hangup(RINGING_AFTER_MS + timeoutMs, 'no_answer', 'timeout', 'carrier')];
      case 'answered': {
        // Ringing longer than the caller's timeout is a no-answer, whatever the callee would have done.
        if (ringMs >= timeoutMs) return [initiated, ringing, hangup(RINGING_AFTER_MS + timeoutMs, 'no_answer', 'timeout', 'carrier')];
        const answerAt = RINGING_AFTER_MS + ringMs;
        const answered: Step = { type: 'call.answered', offsetMs: answerAt };
        const end = hangup(answerAt + talkMs, 'answered', 'normal_clearing', 'callee');
        const amd = req.answeringMachineDetection && req.answeringMachineDetection !== 'disabled';
        if (!amd || talkMs <= AMD_DECISION_MS) return [initiated, ringing, answered, end];
        // About a quarter of numbers reach voicemail, fixed per seed and number.
        const amdResult = scripted?.amdResult ?? (unitFrom(this.settings.seed, 'amd', req.to) < 0.25 ? 'machine' : 'human');
        return [initiated, ringing, answered, { type: 'call.machine_detection.ended', offsetMs: answerAt + AMD_DECISION_MS, amdResult }, end];
      }
    }
  }

  private emitNext(leg: Leg): void {
    const step = leg.steps[leg.next];
    if (!step || leg.hangupEvent) return;
    this.emit(leg, step);
  }

  private emit(leg: Leg, step: Step): CallEvent {
    const at = leg.dialedAt + step.offsetMs;
    leg.next = step.type === 'call.hangup' ? leg.steps.length : leg.next + 1;
    leg.lastAt = at;
    if (step.type === 'call.answered') leg.answeredAt = at;
    const event: CallEvent = { id: `${leg.id}:${step.type}`, type: step.type, upstreamCallId: leg.id, callRef: leg.callRef, at: new Date(at) };
    if (step.amdResult) event.amdResult = step.amdResult;
    if (step.type === 'call.hangup') {
      leg.endedAt = at;
      leg.outcome = step.outcome ?? null;
      leg.hangupCause = step.hangupCause ?? null;
      Object.assign(event, { outcome: step.outcome, hangupCause: step.hangupCause, hangupSource: step.hangupSource });
      leg.hangupEvent = event;
      for (const t of leg.timers) this.timers.cancel(t);
      this.retire(leg);
    }
    this.outbox.publish(event);
    if (step.type === 'call.hangup') for (const listener of this.endListeners) listener(leg.id, event.at);
    return event;
  }
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
