import { Clock } from '../platform/clock';
import { CarrierError, invalidNumber } from './errors';
import { parseE164 } from './e164';
import { EventOutbox } from './events';
import { InventoryCatalogue } from './inventory';
import { hash32, pickFrom, unitFrom } from './random';
import { TimerSet } from './timers';
import { ActivationStatus, NumberEvent, NumberOrderAccepted } from './types';

export interface LifecycleSettings {
  seed: string;
  /** Multiplies every simulated delay: 1 = real time, 0.01 = a hundred times faster. */
  timeScale: number;
  activationFailureRate: number;
  /** Unscaled bounds of the activation delay; each number's delay is fixed by the seed. */
  activationDelayMs: { min: number; max: number };
  /** How long a released number stays out of stock (by the clock; 0 = back at once). */
  releaseQuarantineMs: number;
  clock: Clock;
}

/** Why a simulated activation fails, picked per (number, order) from the seed. */
const FAILURE_REASONS = ['number_withdrawn_upstream', 'provisioning_timeout', 'regulatory_review_required'] as const;

export const RELEASED_BEFORE_ACTIVATION = 'released_before_activation';
export const FORCED_FAILURE = 'forced_failure';

type Activation =
  | { state: 'pending'; timer: NodeJS.Timeout; dueAt: number; seq: number }
  | { state: 'active'; at: Date }
  | { state: 'failed'; at: Date; reason: string };

interface Order {
  id: string;
  orderRef: string;
  /** The part of the id that seeds outcomes: derived from the seed and orderRef only. */
  outcomeKey: string;
  orderedAt: Date;
  numbers: ReadonlySet<string>;
  activations: Map<string, Activation>;
}

/**
 * Upstream orders → activation outcomes, and the carrier's side of who holds which number.
 *
 * Order ids carry their order time and outcome key (`co_<ms base36>_<16 hex>`), so a simulator that never saw an
 * order (the gateway restarted, and the in-process carrier with it) still answers `activationStatus` the way the
 * first one would have: outcomes and delays are functions of the seed, the number and the id. Forced outcomes
 * (controls) live in memory only.
 */
export class NumberLifecycle {
  private readonly orders = new Map<string, Order>();
  private readonly orderByRef = new Map<string, Order>();
  /** Numbers pending or active upstream → their order. */
  private readonly holder = new Map<string, Order>();
  private readonly quarantinedUntil = new Map<string, number>();
  private readonly forcedFailures = new Map<string, string>();
  private failureRate: number;
  private seq = 0;

  constructor(
    private readonly catalogue: InventoryCatalogue,
    private readonly timers: TimerSet,
    private readonly outbox: EventOutbox<NumberEvent>,
    private readonly settings: LifecycleSettings,
  ) {
    this.failureRate = checkRate(settings.activationFailureRate);
  }

  isAvailable(phoneNumber: string): boolean {
    if (this.holder.has(phoneNumber)) return false;
    const until = this.quarantinedUntil.get(phoneNumber);
    if (until === undefined) return true;
    if (this.settings.clock.now().getTime() < until) return false;
    this.quarantinedUntil.delete(phoneNumber);
    return true;
  }

  order(phoneNumbers: readonly string[], orderRef: string): NumberOrderAccepted {
    if (typeof orderRef !== 'string' || orderRef.length === 0) throw new CarrierError('order_invalid', 'orderRef is required');
    if (!Array.isArray(phoneNumbers) || phoneNumbers.length === 0) throw new CarrierError('order_invalid', 'an order needs at least one number');
    const numbers = new Set(phoneNumbers);
    if (numbers.size !== phoneNumbers.length) throw new CarrierError('order_invalid', 'an order lists each number once');

    // The carrier dedupes by orderRef, so a gateway retrying a submission it isn't sure about can't order twice.
    const existing = this.orderByRef.get(orderRef);
    if (existing) {
      if (sameSet(existing.numbers, numbers)) return { upstreamOrderId: existing.id, orderedAt: new Date(existing.orderedAt) };
      throw new CarrierError('order_invalid', `orderRef ${orderRef} was already used for other numbers`);
    }

    for (const n of numbers) {
      if (!parseE164(n)) throw invalidNumber(n);
      if (!this.catalogue.get(n)) throw new CarrierError('number_not_found', `${n} is not in the carrier's inventory`, { phoneNumber: n });
      if (!this.isAvailable(n)) throw new CarrierError('number_not_available', `${n} is no longer available`, { phoneNumber: n });
    }

    const orderedAt = this.settings.clock.now();
    const outcomeKey = hex32(hash32(this.settings.seed, 'order', orderRef)) + hex32(hash32(this.settings.seed, 'order-2', orderRef));
    const order: Order = { id: `co_${orderedAt.getTime().toString(36)}_${outcomeKey}`, orderRef, outcomeKey, orderedAt, numbers, activations: new Map() };
    this.orders.set(order.id, order);
    this.orderByRef.set(orderRef, order);
    for (const n of numbers) {
      this.holder.set(n, order);
      this.quarantinedUntil.delete(n);
      const delay = this.activationDelayMs(n);
      const timer = this.timers.start(delay, () => this.settle(order, n));
      order.activations.set(n, { state: 'pending', timer, dueAt: orderedAt.getTime() + delay, seq: this.seq++ });
    }
    return { upstreamOrderId: order.id, orderedAt: new Date(orderedAt) };
  }

  status(upstreamOrderId: string, phoneNumber: string): ActivationStatus {
    const order = this.orders.get(upstreamOrderId);
    if (order) {
      const activation = order.activations.get(phoneNumber);
      if (!activation) throw new CarrierError('number_not_found', `${phoneNumber} is not part of order ${upstreamOrderId}`, { phoneNumber });
      if (activation.state === 'pending') return { status: 'pending' };
      if (activation.state === 'active') return { status: 'active', activatedAt: new Date(activation.at) };
      return { status: 'failed', reason: activation.reason, failedAt: new Date(activation.at) };
    }
    return this.recomputeStatus(upstreamOrderId, phoneNumber);
  }

  /**
   * Gives a number back. Releasing one that is already in stock (or on its way back) is a no-op, so a retried
   * release, or one from a gateway whose carrier restarted, succeeds. A pending activation is cancelled and
   * reported as failed ("released_before_activation"). The number returns to stock after the quarantine.
   */
  release(phoneNumber: string): void {
    if (!parseE164(phoneNumber)) throw invalidNumber(phoneNumber);
    const order = this.holder.get(phoneNumber);
    if (!order) {
      if (this.catalogue.get(phoneNumber)) return;
      throw new CarrierError('number_not_found', `${phoneNumber} is not a number of this carrier`, { phoneNumber });
    }
    const activation = order.activations.get(phoneNumber);
    if (activation?.state === 'pending') {
      this.timers.cancel(activation.timer);
      this.fail(order, phoneNumber, RELEASED_BEFORE_ACTIVATION);
    }
    this.holder.delete(phoneNumber);
    if (this.settings.releaseQuarantineMs > 0) {
      this.quarantinedUntil.set(phoneNumber, this.settings.clock.now().getTime() + this.settings.releaseQuarantineMs);
    }
  }

  /** The (scaled) delay between ordering a number and its outcome: fixed per number by the seed. */
  activationDelayMs(phoneNumber: string): number {
    const { min, max } = this.settings.activationDelayMs;
    return (min + (max - min) * unitFrom(this.settings.seed, 'activation-delay', phoneNumber)) * this.settings.timeScale;
  }

  // Test controls.

  failNextActivation(phoneNumber: string, reason = FORCED_FAILURE): void {
    this.forcedFailures.set(phoneNumber, reason);
  }

  succeedAll(): void {
    this.forcedFailures.clear();
    this.failureRate = 0;
  }

  setFailureRate(rate: number): void {
    this.failureRate = checkRate(rate);
  }

  /** Settles every pending activation now, in the order their timers would have fired. */
  completePending(): number {
    const due: Array<{ order: Order; phoneNumber: string; dueAt: number; seq: number; timer: NodeJS.Timeout }> = [];
    for (const order of this.orders.values()) {
      for (const [phoneNumber, a] of order.activations) if (a.state === 'pending') due.push({ order, phoneNumber, ...a });
    }
    due.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    for (const d of due) {
      this.timers.cancel(d.timer);
      this.settle(d.order, d.phoneNumber);
    }
    return due.length;
  }

  pendingCount(): number {
    let count = 0;
    for (const order of this.orders.values()) for (const a of order.activations.values()) if (a.state === 'pending') count++;
    return count;
  }

  private settle(order: Order, phoneNumber: string): void {
    const forced = this.forcedFailures.get(phoneNumber);
    if (forced !== undefined) {
      this.forcedFailures.delete(phoneNumber);
      return this.fail(order, phoneNumber, forced);
    }
    const reason = this.decidedFailure(order.outcomeKey, phoneNumber);
    if (reason) return this.fail(order, phoneNumber, reason);
    const at = this.settings.clock.now();
    order.activations.set(phoneNumber, { state: 'active', at });
    this.outbox.publish({ type: 'number.activated', id: eventId(order, phoneNumber), phoneNumber, upstreamOrderId: order.id, orderRef: order.orderRef, at: new Date(at) });
  }

  private fail(order: Order, phoneNumber: string, reason: string): void {
    const at = this.settings.clock.now();
    order.activations.set(phoneNumber, { state: 'failed', at, reason });
    // A failed activation leaves the number with the carrier: back in stock at once (a new order gets a new draw).
    if (this.holder.get(phoneNumber) === order) this.holder.delete(phoneNumber);
    this.outbox.publish({
      type: 'number.activation_failed', id: eventId(order, phoneNumber), phoneNumber, upstreamOrderId: order.id, orderRef: order.orderRef, reason, at: new Date(at),
    });
  }

  private decidedFailure(outcomeKey: string, phoneNumber: string): string | null {
    if (unitFrom(this.settings.seed, 'activation-outcome', phoneNumber, outcomeKey) >= this.failureRate) return null;
    return pickFrom(FAILURE_REASONS, this.settings.seed, 'activation-failure', phoneNumber, outcomeKey);
  }

  /** An order this simulator never saw: what its predecessor (same seed) decided, by the clock. */
  private recomputeStatus(upstreamOrderId: string, phoneNumber: string): ActivationStatus {
    const match = /^co_([0-9a-z]{1,11})_([0-9a-f]{16})$/.exec(upstreamOrderId);
    if (!match) throw new CarrierError('order_not_found', `no upstream order ${upstreamOrderId}`);
    if (!parseE164(phoneNumber)) throw invalidNumber(phoneNumber);
    const dueAt = new Date(parseInt(match[1], 36) + this.activationDelayMs(phoneNumber));
    if (this.settings.clock.now() < dueAt) return { status: 'pending' };
    const reason = this.decidedFailure(match[2], phoneNumber);
    return reason ? { status: 'failed', reason, failedAt: dueAt } : { status: 'active', activatedAt: dueAt };
  }
}

function eventId(order: Order, phoneNumber: string): string {
  return `${order.id}:${phoneNumber}`;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`activationFailureRate must be between 0 and 1, got ${rate}`);
  return rate;
}
