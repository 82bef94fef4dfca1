/**
 * Fault injection for hardening tests (set through /_test/faults): the failures real Stripe produces now and then,
 * made to happen on demand.
 */
export interface FaultSettings {
  /** Added before every API call is handled. */
  latencyMs: number;
  /** The next N API calls (matching `failMatching`, when set) answer 500 `api_error` without doing anything. */
  failNext: number;
  /** Substring of "METHOD /path" that `failNext` applies to, e.g. "POST /v1/payment_intents". */
  failMatching: string | null;
  /** Every event is delivered a second time after its first successful delivery. */
  duplicateDeliveries: boolean;
  /** The events of one API call are delivered in reverse order. */
  outOfOrderDeliveries: boolean;
}

const NONE: FaultSettings = {
  latencyMs: 0,
  failNext: 0,
  failMatching: null,
  duplicateDeliveries: false,
  outOfOrderDeliveries: false,
};

export class Faults {
  private settings: FaultSettings = { ...NONE };

  get(): FaultSettings {
    return { ...this.settings };
  }

  set(changes: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...changes };
    return this.get();
  }

  reset(): FaultSettings {
    this.settings = { ...NONE };
    return this.get();
  }

  /** Consumes one injected failure when this call is due one. */
  takeFailure(method: string, path: string): boolean {
    const { failNext, failMatching } = this.settings;
    if (failNext <= 0) return false;
    if (failMatching && !`${method} ${path}`.includes(failMatching)) return false;
    this.settings.failNext = failNext - 1;
    return true;
  }
}
