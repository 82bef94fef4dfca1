/**
 * Upstream trouble on demand, for the gateway's hardening tests: calls that fail, responses that get lost after
 * the carrier acted, and latency. Every injected failure is a retriable `upstream_error` (→ 502).
 */

/** The carrier's remote operations, the unit faults apply to. */
export type CarrierOperation =
  | 'searchInventory'
  | 'getInventoryNumber'
  | 'orderNumbers'
  | 'activationStatus'
  | 'releaseNumber'
  | 'lookup'
  | 'portabilityCheck'
  | 'csrLookup'
  | 'dial'
  | 'hangupCall'
  | 'answerCall'
  | 'rejectCall'
  | 'callStatus'
  | 'controlCall'
  | 'recordingContent'
  | 'controlConference'
  | 'recordingStatus';

/** Groups of operations, matching the interface parts (CarrierNumbers, CarrierLookup, CarrierPorting, CarrierCalls). */
export type CarrierArea = 'numbers' | 'lookup' | 'porting' | 'calls';

/** Which calls a fault applies to: one operation, an area, or (when omitted) any call. */
export type FaultTarget = CarrierOperation | CarrierArea;

const AREA_OF: Readonly<Record<CarrierOperation, CarrierArea>> = {
  searchInventory: 'numbers',
  getInventoryNumber: 'numbers',
  orderNumbers: 'numbers',
  activationStatus: 'numbers',
  releaseNumber: 'numbers',
  lookup: 'lookup',
  portabilityCheck: 'porting',
  csrLookup: 'porting',
  dial: 'calls',
  hangupCall: 'calls',
  answerCall: 'calls',
  rejectCall: 'calls',
  callStatus: 'calls',
  controlCall: 'calls',
  recordingContent: 'calls',
  controlConference: 'calls',
  recordingStatus: 'calls',
};

/**
 * - `fail`: the call throws before doing anything (safe to retry).
 * - `lose_response`: the call takes effect, then throws as if the reply was lost (a retry must be idempotent:
 *   reorder with the same orderRef, release again).
 */
export type FaultKind = 'fail' | 'lose_response';

interface Rule {
  kind: FaultKind;
  remaining: number;
  target?: FaultTarget;
}

export class Faults {
  private rules: Rule[] = [];
  private latency = 0;

  add(kind: FaultKind, count: number, target?: FaultTarget): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`fault count must be a whole number ≥ 0, got ${count}`);
    if (count > 0) this.rules.push({ kind, remaining: count, target });
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be ≥ 0 ms, got ${ms}`);
    this.latency = ms;
  }

  get latencyMs(): number {
    return this.latency;
  }

  reset(): void {
    this.rules = [];
    this.latency = 0;
  }

  /** Consumes the first rule that applies to this call (rules apply in the order they were added). */
  take(operation: CarrierOperation): FaultKind | null {
    const rule = this.rules.find((r) => r.target === undefined || r.target === operation || r.target === AREA_OF[operation]);
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule.kind;
  }
}
