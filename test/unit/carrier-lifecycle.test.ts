import { CarrierError, CarrierSimulator, createCarrierSimulator, NumberEvent, RELEASED_BEFORE_ACTIVATION } from '../../src/carrier';
import { ManualClock } from '../../src/platform/clock';

const T0 = new Date('2026-05-12T14:32:18.000Z');

/** Resolves with the first `count` events the carrier delivers to a listener. */
function collect(carrier: CarrierSimulator, count: number): Promise<NumberEvent[]> {
  return new Promise((resolve) => {
    const events: NumberEvent[] = [];
    const detach = carrier.onNumberEvent((e) => {
      events.push(e);
      if (events.length === count) {
        detach();
        resolve(events);
      }
    });
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CarrierError) return error.code;
    throw error;
  }
  throw new Error('expected a CarrierError');
}

describe('number lifecycle upstream', () => {
  let carrier: CarrierSimulator;
  let clock: ManualClock;

  beforeEach(() => {
    clock = new ManualClock(T0);
    carrier = createCarrierSimulator({ seed: 7, timeScale: 0.005, clock });
  });
  afterEach(() => carrier.close());

  const stock = async (countryCode: string, limit: number) => (await carrier.searchInventory({ countryCode, limit })).map((n) => n.phoneNumber);

  describe('activation', () => {
    it('accepts an order at once and reports each number once, after its scaled delay', async () => {
      carrier.controls.succeedAll();
      const numbers = await stock('US', 5);
      const events = collect(carrier, 5);
      const { upstreamOrderId, orderedAt } = await carrier.orderNumbers(numbers, { orderRef: 'order-1' });
      expect(upstreamOrderId).toMatch(/^co_/);
      expect(orderedAt).toEqual(T0);
      expect(carrier.controls.pendingActivations()).toBe(5);

      // 200 ms–2 s scaled by 0.005 → 1–10 ms (the delays themselves, not the machine's time to run the timers).
      for (const n of numbers) expect(carrier.controls.activationDelayMs(n)).toBeLessThanOrEqual(10);
      const received = await events;
      expect(received.map((e) => e.phoneNumber).sort()).toEqual([...numbers].sort());
      for (const e of received) {
        expect(e).toEqual({ type: 'number.activated', id: `${upstreamOrderId}:${e.phoneNumber}`, phoneNumber: e.phoneNumber, upstreamOrderId, orderRef: 'order-1', at: T0 });
      }
      expect(carrier.controls.pendingActivations()).toBe(0);
      expect(carrier.controls.pendingTimers()).toBe(0);
    });

    it('fixes each number’s delay from the seed, within the configured bounds', () => {
      const real = createCarrierSimulator({ seed: 7 });
      try {
        const delays = carrier.controls.allNumbers().slice(0, 200).map((n) => real.controls.activationDelayMs(n.phoneNumber));
        for (const d of delays) expect(d >= 200 && d <= 2000).toBe(true);
        expect(new Set(delays).size).toBeGreaterThan(150);
        const n = carrier.controls.allNumbers()[0].phoneNumber;
        expect(carrier.controls.activationDelayMs(n)).toBeCloseTo(real.controls.activationDelayMs(n) * 0.005, 9);
      } finally {
        real.close();
      }
    });

    it('fails a number on demand, with the given reason', async () => {
      carrier.controls.succeedAll();
      const [doomed, fine] = await stock('GB', 2);
      carrier.controls.failNextActivation(doomed, 'number_withdrawn_upstream');
      const { upstreamOrderId } = await carrier.orderNumbers([doomed, fine], { orderRef: 'order-2' });
      expect(carrier.controls.completePendingActivations()).toBe(2);
      const events = carrier.drainEvents();
      expect(events.find((e) => e.phoneNumber === doomed)).toMatchObject({ type: 'number.activation_failed', reason: 'number_withdrawn_upstream', upstreamOrderId });
      expect(events.find((e) => e.phoneNumber === fine)).toMatchObject({ type: 'number.activated' });
      // A failed number goes back to stock; the forced failure was used up.
      expect(await carrier.getInventoryNumber(doomed)).not.toBeNull();
      await carrier.orderNumbers([doomed], { orderRef: 'order-2b' });
      carrier.controls.completePendingActivations();
      expect(carrier.drainEvents()).toEqual([expect.objectContaining({ type: 'number.activated', phoneNumber: doomed })]);
    });

    it('honours the failure rate roughly, and deterministically', async () => {
      const run = async (seed: number, rate: number) => {
        const c = createCarrierSimulator({ seed, activationFailureRate: rate });
        try {
          const numbers = c.controls.allNumbers().slice(0, 2000).map((n) => n.phoneNumber);
          await c.orderNumbers(numbers, { orderRef: 'bulk' });
          c.controls.completePendingActivations();
          // Outcomes, not ids or times (those come from the system clock here).
          return c.drainEvents().flatMap((e) => (e.type === 'number.activation_failed' ? [`${e.phoneNumber} ${e.reason}`] : []));
        } finally {
          c.close();
        }
      };
      const failed = await run(1, 0.05);
      expect(failed.length / 2000).toBeGreaterThan(0.03);
      expect(failed.length / 2000).toBeLessThan(0.07);
      expect(await run(1, 0.05)).toEqual(failed);
      expect(await run(1, 0)).toEqual([]);
      expect(await run(1, 1)).toHaveLength(2000);
      for (const f of failed) expect(f).toMatch(/^\+\d+ [a-z_]+$/);
    });

    it('shows the outcome in activationStatus', async () => {
      carrier.controls.succeedAll();
      const [good, bad] = await stock('DE', 2);
      carrier.controls.failNextActivation(bad, 'regulatory_review_required');
      const { upstreamOrderId } = await carrier.orderNumbers([good, bad], { orderRef: 'order-3' });
      expect(await carrier.activationStatus(upstreamOrderId, good)).toEqual({ status: 'pending' });
      carrier.controls.completePendingActivations();
      expect(await carrier.activationStatus(upstreamOrderId, good)).toEqual({ status: 'active', activatedAt: T0 });
      expect(await carrier.activationStatus(upstreamOrderId, bad)).toEqual({ status: 'failed', reason: 'regulatory_review_required', failedAt: T0 });
      expect(await codeOf(carrier.activationStatus('co_nonsense', good))).toBe('order_not_found');
      expect(await codeOf(carrier.activationStatus(upstreamOrderId, '+15125559999'))).toBe('number_not_found');
    });

    it('lets a restarted simulator (same seed) answer for orders it never saw', async () => {
      const numbers = await stock('US', 40);
      const { upstreamOrderId } = await carrier.orderNumbers(numbers, { orderRef: 'before-restart' });
      carrier.controls.completePendingActivations();
      const outcomes = await Promise.all(numbers.map((n) => carrier.activationStatus(upstreamOrderId, n)));
      carrier.close();

      const later = new ManualClock(T0);
      const restarted = createCarrierSimulator({ seed: 7, timeScale: 0.005, clock: later });
      try {
        expect(await restarted.activationStatus(upstreamOrderId, numbers[0])).toEqual({ status: 'pending' });
        later.set(new Date(T0.getTime() + 60_000));
        const recomputed = await Promise.all(numbers.map((n) => restarted.activationStatus(upstreamOrderId, n)));
        expect(recomputed.map((s) => s.status)).toEqual(outcomes.map((s) => s.status));
        expect(recomputed.map((s) => (s.status === 'failed' ? s.reason : null))).toEqual(outcomes.map((s) => (s.status === 'failed' ? s.reason : null)));
      } finally {
        restarted.close();
      }
    });
  });

  describe('event delivery', () => {
    it('keeps events emitted while nobody listens, for drainEvents', async () => {
      carrier.controls.succeedAll();
      const numbers = await stock('FR', 3);
      await carrier.orderNumbers(numbers, { orderRef: 'order-4' });
      carrier.controls.completePendingActivations();
      const drained = carrier.drainEvents();
      expect(drained.map((e) => e.phoneNumber)).toEqual(numbers.slice().sort((a, b) => carrier.controls.activationDelayMs(a) - carrier.controls.activationDelayMs(b)));
      expect(carrier.drainEvents()).toEqual([]);
    });

    it('replays them, in order, to the next listener that attaches (after the attach call returns)', async () => {
      carrier.controls.succeedAll();
      const numbers = await stock('AU', 4);
      await carrier.orderNumbers(numbers.slice(0, 2), { orderRef: 'order-5a' });
      carrier.controls.completePendingActivations();
      await carrier.orderNumbers(numbers.slice(2), { orderRef: 'order-5b' });
      carrier.controls.completePendingActivations();

      const seen: string[] = [];
      carrier.onNumberEvent((e) => void seen.push(e.orderRef));
      expect(seen).toEqual([]);
      await Promise.resolve();
      expect(seen).toEqual(['order-5a', 'order-5a', 'order-5b', 'order-5b']);
      expect(carrier.drainEvents()).toEqual([]);
    });

    it('delivers to every attached listener; a throwing listener neither stops the others nor the carrier', async () => {
      carrier.close();
      const errors: unknown[] = [];
      carrier = createCarrierSimulator({ seed: 7, timeScale: 0.005, clock, activationFailureRate: 0, onListenerError: (e) => errors.push(e) });
      const a: string[] = [];
      const b: string[] = [];
      carrier.onNumberEvent(() => {
        throw new Error('listener bug');
      });
      carrier.onNumberEvent(async () => {
        throw new Error('async listener bug');
      });
      carrier.onNumberEvent((e) => void a.push(e.phoneNumber));
      const detachB = carrier.onNumberEvent((e) => void b.push(e.phoneNumber));
      const [n1, n2] = await stock('US', 2);
      await carrier.orderNumbers([n1], { orderRef: 'r1' });
      carrier.controls.completePendingActivations();
      detachB();
      await carrier.orderNumbers([n2], { orderRef: 'r2' });
      carrier.controls.completePendingActivations();
      await Promise.resolve();
      expect(a).toEqual([n1, n2]);
      expect(b).toEqual([n1]);
      expect(errors).toHaveLength(4);
    });
  });

  describe('orders', () => {
    it('takes ordered numbers out of stock', async () => {
      const [n] = await stock('CA', 1);
      await carrier.orderNumbers([n], { orderRef: 'order-6' });
      expect(await carrier.getInventoryNumber(n)).toBeNull();
      expect((await carrier.searchInventory({ countryCode: 'CA', limit: 10_000 })).some((x) => x.phoneNumber === n)).toBe(false);
      expect(await codeOf(carrier.orderNumbers([n], { orderRef: 'order-7' }))).toBe('number_not_available');
    });

    it('is idempotent per orderRef', async () => {
      const numbers = await stock('US', 2);
      const first = await carrier.orderNumbers(numbers, { orderRef: 'same-ref' });
      expect(await carrier.orderNumbers([numbers[1], numbers[0]], { orderRef: 'same-ref' })).toEqual(first);
      expect(carrier.controls.pendingActivations()).toBe(2);
      expect(await codeOf(carrier.orderNumbers([numbers[0]], { orderRef: 'same-ref' }))).toBe('order_invalid');
    });

    it('orders all numbers or none', async () => {
      const [a, b] = await stock('US', 2);
      await carrier.orderNumbers([b], { orderRef: 'first' });
      expect(await codeOf(carrier.orderNumbers([a, b], { orderRef: 'second' }))).toBe('number_not_available');
      expect(await carrier.getInventoryNumber(a)).not.toBeNull();
    });

    it.each([
      ['an unknown number', ['+15125551234'], 'number_not_found'],
      ['a malformed number', ['512-555-0100'], 'invalid_number'],
      ['no numbers', [], 'order_invalid'],
    ])('refuses %s', async (_why, numbers, code) => {
      expect(await codeOf(carrier.orderNumbers(numbers, { orderRef: 'bad' }))).toBe(code);
    });

    it('refuses a number listed twice, and a missing orderRef', async () => {
      const [n] = await stock('US', 1);
      expect(await codeOf(carrier.orderNumbers([n, n], { orderRef: 'dup' }))).toBe('order_invalid');
      expect(await codeOf(carrier.orderNumbers([n], { orderRef: '' }))).toBe('order_invalid');
    });
  });

  describe('release', () => {
    it('returns an active number to stock after the quarantine (24 h by default, by the clock)', async () => {
      carrier.controls.succeedAll();
      const [n] = await stock('GB', 1);
      await carrier.orderNumbers([n], { orderRef: 'order-8' });
      carrier.controls.completePendingActivations();
      await carrier.releaseNumber(n);
      expect(await carrier.getInventoryNumber(n)).toBeNull();
      clock.set(new Date(T0.getTime() + 24 * 3600 * 1000 - 1));
      expect(await carrier.getInventoryNumber(n)).toBeNull();
      clock.set(new Date(T0.getTime() + 24 * 3600 * 1000));
      expect(await carrier.getInventoryNumber(n)).not.toBeNull();
      await carrier.orderNumbers([n], { orderRef: 'order-8b' });
    });

    it('returns it at once with releaseQuarantineMs: 0', async () => {
      const c = createCarrierSimulator({ seed: 7, releaseQuarantineMs: 0, activationFailureRate: 0 });
      try {
        const [n] = (await c.searchInventory({ countryCode: 'US', limit: 1 })).map((x) => x.phoneNumber);
        await c.orderNumbers([n], { orderRef: 'r' });
        c.controls.completePendingActivations();
        await c.releaseNumber(n);
        expect(await c.getInventoryNumber(n)).not.toBeNull();
      } finally {
        c.close();
      }
    });

    it('cancels a pending activation and reports it as failed', async () => {
      const [n] = await stock('US', 1);
      const { upstreamOrderId } = await carrier.orderNumbers([n], { orderRef: 'order-9' });
      await carrier.releaseNumber(n);
      expect(carrier.controls.pendingTimers()).toBe(0);
      expect(carrier.drainEvents()).toEqual([expect.objectContaining({ type: 'number.activation_failed', phoneNumber: n, reason: RELEASED_BEFORE_ACTIVATION })]);
      expect(await carrier.activationStatus(upstreamOrderId, n)).toMatchObject({ status: 'failed', reason: RELEASED_BEFORE_ACTIVATION });
    });

    it('is idempotent, and refuses numbers the carrier never had', async () => {
      const [n] = await stock('US', 1);
      await carrier.releaseNumber(n); // in stock already: nothing to do
      await carrier.releaseNumber(n);
      const err = await carrier.releaseNumber('+15125551234').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CarrierError);
      expect(err).toMatchObject({ code: 'number_not_found', retriable: false, phoneNumber: '+15125551234' });
      expect(await codeOf(carrier.releaseNumber('5125550100'))).toBe('invalid_number');
    });
  });

  describe('close()', () => {
    it('clears every pending timer, delivers nothing more, and refuses further calls', async () => {
      const numbers = await stock('US', 50);
      const received: NumberEvent[] = [];
      carrier.onNumberEvent((e) => void received.push(e));
      await carrier.orderNumbers(numbers, { orderRef: 'order-10' });
      expect(carrier.controls.pendingTimers()).toBe(50);
      carrier.close();
      expect(carrier.controls.pendingTimers()).toBe(0);
      await new Promise((r) => setTimeout(r, 30));
      expect(received).toEqual([]);
      const err = await carrier.searchInventory({ countryCode: 'US', limit: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'upstream_error', retriable: true });
      carrier.close(); // twice is fine
    });
  });
});
