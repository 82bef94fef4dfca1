import { Clock, systemClock } from '../platform/clock';
import { Carrier } from './carrier';
import { CarrierError, invalidNumber } from './errors';
import { parseE164 } from './e164';
import { EventOutbox } from './events';
import { CallLegs } from './calls';
import { CallMedia } from './media';
import { ConferenceRooms } from './conferences';
import { CarrierOperation, Faults, FaultTarget } from './faults';
import { generateInventory, InventoryCatalogue } from './inventory';
import { NumberLifecycle } from './lifecycle';
import { callerNameLookup, carrierLookup } from './lookup';
import { csrOf, portabilityOf } from './porting';
import { TimerSet } from './timers';
import {
  ActivationStatus,
  CallEvent,
  CallEventListener,
  CallLegStatus,
  CallMediaCommand,
  CallMediaEvent,
  CallMediaEventListener,
  CallScript,
  DialAccepted,
  InboundRejectCause,
  InboundRingRequest,
  DialRequest,
  CallerNameLookupResult,
  ConferenceCommand,
  ConferenceState,
  CarrierLookupResult,
  CustomerServiceRecord,
  InventoryNumber,
  InventorySearch,
  LookupResult,
  LookupType,
  NumberEvent,
  NumberEventListener,
  NumberOrderAccepted,
  PortabilityResult,
  RecordingContent,
  RecordingStatus,
} from './types';

export interface CarrierSimulatorOptions {
  /** Decides the stock, delays and outcomes. Default "voepy". */
  seed?: number | string;
  /** Multiplies simulated delays (activation); 0.005 turns 200 ms–2 s into 1–10 ms. Default 1. */
  timeScale?: number;
  /** Share of activations that fail, decided per (number, order) by the seed. Default 0.05. */
  activationFailureRate?: number;
  /** Unscaled activation delay bounds. Default 200–2000 ms. */
  activationDelayMs?: { min: number; max: number };
  /** How long a released number stays out of stock, by `clock`. Default 24 h; 0 = back at once. */
  releaseQuarantineMs?: number;
  /** Stamps events and orders, and times quarantines. Default: the system clock. */
  clock?: Clock;
  /** Events kept for a listener that isn't attached; the oldest go first beyond this. Default 10 000. */
  maxBufferedEvents?: number;
  /** How long an inbound call rings unanswered before the carrier gives up, in simulated seconds. Default 30. */
  inboundRingTimeoutSecs?: number;
  /**
   * Real milliseconds an ended call leg is remembered (its status, and its callRef for deduplicating dials) before
   * it is forgotten. Default 30 minutes: far longer than the gateway's call recovery takes to ask about it.
   */
  endedLegRetentionMs?: number;
  /** Where a listener's exception (or rejection) goes; the event is not redelivered. Default: ignored. */
  onListenerError?: (error: unknown, event: NumberEvent | CallEvent | CallMediaEvent) => void;
}

/** Test and demo levers: what a real carrier's network or operations staff would make happen. */
export interface CarrierSimulatorControls {
  /** The next activation outcome of this number (pending now or ordered later) is a failure. */
  failNextActivation(phoneNumber: string, reason?: string): void;
  /** Every activation from now on succeeds: forced failures are forgotten and the failure rate becomes 0. */
  succeedAll(): void;
  setActivationFailureRate(rate: number): void;
  /** Settles every pending activation now, in due order (emitting their events); returns how many. */
  completePendingActivations(): number;
  /** The scaled delay this number's activation takes. */
  activationDelayMs(phoneNumber: string): number;
  /** The next `n` matching calls throw upstream_error without taking effect. `kind`: an operation or area; all when omitted. */
  failNextCalls(n: number, kind?: FaultTarget): void;
  /** The next `n` matching calls take effect, then throw upstream_error as if the response was lost. */
  loseNextResponses(n: number, kind?: FaultTarget): void;
  /** Delay before every remote call answers (real milliseconds, not scaled); calls already waiting are re-timed. */
  setLatency(ms: number): void;
  resetFaults(): void;
  /** The whole catalogue, available or not, in catalogue order (no faults, no latency). */
  allNumbers(): readonly InventoryNumber[];
  pendingActivations(): number;
  /** Timers not yet fired or cancelled; 0 after close(). */
  pendingTimers(): number;
  /** The next call to `to` ends as scripted (outcome, ring and talk seconds) instead of by its number's pattern. */
  scriptNextCall(to: string, script: CallScript): void;
  /** Call legs that have not hung up yet. */
  activeCalls(): number;
  /** The leg this one is bridged with, or null. */
  bridgedWith(upstreamCallId: string): string | null;
  /** A conference room as the carrier sees it (members, mute and hold), or null for a ref never opened. */
  conference(conferenceRef: string): ConferenceState | null;
  /** Someone calls `to`: an inbound leg rings and call.incoming is published (and returned). See calls.ts. */
  ringInbound(req: InboundRingRequest): CallEvent;
}

export interface CarrierSimulator extends Carrier {
  readonly seed: string;
  readonly controls: CarrierSimulatorControls;
}

export function createCarrierSimulator(opts: CarrierSimulatorOptions = {}): CarrierSimulator {
  return new Simulator(opts);
}

class Simulator implements CarrierSimulator {
  readonly seed: string;
  readonly controls: CarrierSimulatorControls;
  private readonly catalogue: InventoryCatalogue;
  private readonly timers = new TimerSet();
  private readonly faults = new Faults();
  /** Wakes each call waiting out the latency, to re-time it against a new one. */
  private readonly latencyWaits = new Set<() => void>();
  private readonly outbox: EventOutbox<NumberEvent>;
  private readonly lifecycle: NumberLifecycle;
  private readonly callOutbox: EventOutbox<CallEvent>;
  private readonly calls: CallLegs;
  private readonly mediaOutbox: EventOutbox<CallMediaEvent>;
  private readonly media: CallMedia;
  private readonly conferences: ConferenceRooms;
  private closed = false;

  constructor(opts: CarrierSimulatorOptions) {
    this.seed = String(opts.seed ?? 'voepy');
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale >= 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a finite number ≥ 0, got ${timeScale}`);
    const activationDelayMs = opts.activationDelayMs ?? { min: 200, max: 2000 };
    if (!(activationDelayMs.min >= 0 && activationDelayMs.max >= activationDelayMs.min)) throw new RangeError('activationDelayMs needs 0 ≤ min ≤ max');
    this.catalogue = new InventoryCatalogue(generateInventory(this.seed));
    this.outbox = new EventOutbox<NumberEvent>(opts.maxBufferedEvents ?? 10_000, opts.onListenerError ?? (() => {}));
    this.lifecycle = new NumberLifecycle(this.catalogue, this.timers, this.outbox, {
      seed: this.seed,
      timeScale,
      activationFailureRate: opts.activationFailureRate ?? 0.05,
      activationDelayMs,
      releaseQuarantineMs: opts.releaseQuarantineMs ?? 24 * 60 * 60 * 1000,
      clock: opts.clock ?? systemClock,
    });
    this.callOutbox = new EventOutbox<CallEvent>(opts.maxBufferedEvents ?? 10_000, opts.onListenerError ?? (() => {}));
    const inboundRingTimeoutSecs = opts.inboundRingTimeoutSecs ?? 30;
    if (!Number.isInteger(inboundRingTimeoutSecs) || inboundRingTimeoutSecs < 1) throw new RangeError(`inboundRingTimeoutSecs must be a whole number ≥ 1, got ${inboundRingTimeoutSecs}`);
    const endedLegRetentionMs = opts.endedLegRetentionMs ?? 30 * 60_000;
    if (!(endedLegRetentionMs >= 0)) throw new RangeError(`endedLegRetentionMs must be ≥ 0, got ${endedLegRetentionMs}`);
    this.calls = new CallLegs(this.timers, this.callOutbox, { seed: this.seed, timeScale, clock: opts.clock ?? systemClock, inboundRingTimeoutSecs, endedLegRetentionMs });
    this.mediaOutbox = new EventOutbox<CallMediaEvent>(opts.maxBufferedEvents ?? 10_000, opts.onListenerError ?? (() => {}));
    this.media = new CallMedia(this.calls, this.timers, this.mediaOutbox, { seed: this.seed, timeScale });
    this.conferences = new ConferenceRooms(this.calls, this.seed);
    this.controls = this.buildControls();
  }

  // CarrierNumbers

  searchInventory(query: InventorySearch): Promise<InventoryNumber[]> {
    return this.remote('searchInventory', () => this.catalogue.search(query, (n) => this.lifecycle.isAvailable(n)));
  }

  getInventoryNumber(phoneNumber: string): Promise<InventoryNumber | null> {
    return this.remote('getInventoryNumber', () => {
      const n = this.catalogue.get(phoneNumber);
      return n && this.lifecycle.isAvailable(phoneNumber) ? n : null;
    });
  }

  orderNumbers(phoneNumbers: readonly string[], opts: { orderRef: string }): Promise<NumberOrderAccepted> {
    return this.remote('orderNumbers', () => this.lifecycle.order(phoneNumbers, opts?.orderRef));
  }

  activationStatus(upstreamOrderId: string, phoneNumber: string): Promise<ActivationStatus> {
    return this.remote('activationStatus', () => this.lifecycle.status(upstreamOrderId, phoneNumber));
  }

  releaseNumber(phoneNumber: string): Promise<void> {
    return this.remote('releaseNumber', () => this.lifecycle.release(phoneNumber));
  }

  onNumberEvent(listener: NumberEventListener): () => void {
    if (this.closed) return () => {};
    return this.outbox.subscribe(listener);
  }

  drainEvents(): NumberEvent[] {
    return this.outbox.drain();
  }

  // CarrierLookup

  lookup(phoneNumber: string, type: 'carrier'): Promise<CarrierLookupResult>;
  lookup(phoneNumber: string, type: 'caller-name'): Promise<CallerNameLookupResult>;
  lookup(phoneNumber: string, type: LookupType): Promise<LookupResult>;
  lookup(phoneNumber: string, type: LookupType): Promise<LookupResult> {
    return this.remote('lookup', () => {
      if (type === 'carrier') return carrierLookup(phoneNumber);
      if (type === 'caller-name') return callerNameLookup(phoneNumber);
      throw new TypeError(`unknown lookup type ${JSON.stringify(type)}`);
    });
  }

  // CarrierPorting

  portabilityCheck(phoneNumbers: readonly string[]): Promise<PortabilityResult[]> {
    return this.remote('portabilityCheck', () => {
      // Validate all first: a batch with a malformed number is the caller's mistake, not a per-number outcome.
      const bad = phoneNumbers.find((n) => !parseE164(n));
      if (bad !== undefined) throw invalidNumber(bad);
      return phoneNumbers.map(portabilityOf);
    });
  }

  csrLookup(phoneNumber: string): Promise<CustomerServiceRecord> {
    return this.remote('csrLookup', () => csrOf(phoneNumber));
  }

  // CarrierCalls

  dial(req: DialRequest): Promise<DialAccepted> {
    return this.remote('dial', () => this.calls.dial(req));
  }

  hangupCall(upstreamCallId: string): Promise<CallEvent> {
    return this.remote('hangupCall', () => this.calls.hangup(upstreamCallId));
  }

  answerCall(upstreamCallId: string): Promise<CallEvent> {
    return this.remote('answerCall', () => this.calls.answer(upstreamCallId));
  }

  rejectCall(upstreamCallId: string, cause: InboundRejectCause): Promise<CallEvent> {
    return this.remote('rejectCall', () => this.calls.reject(upstreamCallId, cause));
  }

  callStatus(upstreamCallId: string): Promise<CallLegStatus | null> {
    return this.remote('callStatus', () => this.calls.status(upstreamCallId));
  }

  onCallEvent(listener: CallEventListener): () => void {
    if (this.closed) return () => {};
    return this.callOutbox.subscribe(listener);
  }

  controlCall(upstreamCallId: string, command: CallMediaCommand): Promise<void> {
    return this.remote('controlCall', () => this.media.control(upstreamCallId, command));
  }

  recordingContent(ref: string): Promise<RecordingContent | null> {
    return this.remote('recordingContent', () => this.media.recordingContent(ref));
  }

  recordingStatus(ref: string): Promise<RecordingStatus | null> {
    return this.remote('recordingStatus', () => this.media.recordingStatus(ref));
  }

  onMediaEvent(listener: CallMediaEventListener): () => void {
    if (this.closed) return () => {};
    return this.mediaOutbox.subscribe(listener);
  }

  controlConference(conferenceRef: string, command: ConferenceCommand): Promise<{ upstreamConferenceId: string }> {
    return this.remote('controlConference', () => this.conferences.control(conferenceRef, command));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.cancelAll(closedError());
    this.outbox.detachAll();
    this.callOutbox.detachAll();
    this.mediaOutbox.detachAll();
  }

  /**
   * One remote call: faults are decided when the call starts (so their order follows the calls'), then the
   * latency, then the work. Errors from the work (validation) pass through unchanged.
   */
  private async remote<T>(operation: CarrierOperation, work: () => T): Promise<T> {
    if (this.closed) throw closedError();
    const fault = this.faults.take(operation);
    await this.waitOutLatency();
    if (this.closed) throw closedError();
    if (fault === 'fail') throw upstreamError(operation, 'the carrier failed to answer');
    const result = work();
    if (fault === 'lose_response') throw upstreamError(operation, 'the response was lost; the request may have taken effect');
    return result;
  }

  /**
   * The latency counts from the call's start against the latency set now: a call already waiting goes at once
   * when it is lowered (a test holds dials with a long latency and lets them through when it has looked).
   */
  private async waitOutLatency(): Promise<void> {
    const since = Date.now();
    for (let left = this.faults.latencyMs; left > 0; left = since + this.faults.latencyMs - Date.now()) {
      const nap = this.timers.wakeableSleep(left);
      this.latencyWaits.add(nap.wake);
      try {
        await nap.done;
      } finally {
        this.latencyWaits.delete(nap.wake);
      }
    }
  }

  private latencyChanged(): void {
    for (const wake of [...this.latencyWaits]) wake();
  }

  private buildControls(): CarrierSimulatorControls {
    const { lifecycle, faults } = this;
    return {
      failNextActivation: (phoneNumber, reason) => lifecycle.failNextActivation(phoneNumber, reason),
      succeedAll: () => lifecycle.succeedAll(),
      setActivationFailureRate: (rate) => lifecycle.setFailureRate(rate),
      completePendingActivations: () => lifecycle.completePending(),
      activationDelayMs: (phoneNumber) => lifecycle.activationDelayMs(phoneNumber),
      failNextCalls: (n, kind) => faults.add('fail', n, kind),
      loseNextResponses: (n, kind) => faults.add('lose_response', n, kind),
      setLatency: (ms) => {
        faults.setLatency(ms);
        this.latencyChanged();
      },
      resetFaults: () => {
        faults.reset();
        this.latencyChanged();
      },
      allNumbers: () => this.catalogue.numbers,
      pendingActivations: () => lifecycle.pendingCount(),
      pendingTimers: () => this.timers.size,
      scriptNextCall: (to, script) => this.calls.script(to, script),
      activeCalls: () => this.calls.activeCount(),
      bridgedWith: (upstreamCallId) => this.media.bridgedWith(upstreamCallId),
      conference: (conferenceRef) => this.conferences.state(conferenceRef),
      ringInbound: (req) => {
        if (this.closed) throw closedError();
        return this.calls.ring(req);
      },
    };
  }
}

function upstreamError(operation: CarrierOperation, why: string): CarrierError {
  return new CarrierError('upstream_error', `carrier ${operation}: ${why}`, { retriable: true });
}

function closedError(): CarrierError {
  return new CarrierError('upstream_error', 'the carrier client is closed', { retriable: true });
}
