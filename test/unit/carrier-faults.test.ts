import { CarrierError, CarrierSimulator, createCarrierSimulator } from '../../src/carrier';

async function errorOf(promise: Promise<unknown>): Promise<CarrierError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CarrierError)) throw new Error(`expected a CarrierError, got ${String(error)}`);
  return error;
}

describe('carrier faults', () => {
  let carrier: CarrierSimulator;

  beforeEach(() => {
    carrier = createCarrierSimulator({ seed: 3, timeScale: 0.005, activationFailureRate: 0 });
  });
  afterEach(() => carrier.close());

  it('fails the next N calls with a retriable upstream_error, then recovers', async () => {
    carrier.controls.failNextCalls(2);
    for (let i = 0; i < 2; i++) {
      const e = await errorOf(carrier.searchInventory({ countryCode: 'US', limit: 1 }));
      expect(e).toMatchObject({ code: 'upstream_error', retriable: true, name: 'CarrierError' });
    }
    expect(await carrier.searchInventory({ countryCode: 'US', limit: 1 })).toHaveLength(1);
  });

  it('targets one operation or one area', async () => {
    carrier.controls.failNextCalls(1, 'orderNumbers');
    carrier.controls.failNextCalls(1, 'porting');
    const [n] = await carrier.searchInventory({ countryCode: 'US', limit: 1 }); // not targeted
    await carrier.lookup(n.phoneNumber, 'carrier'); // not targeted
    expect((await errorOf(carrier.portabilityCheck([n.phoneNumber]))).code).toBe('upstream_error');
    expect((await errorOf(carrier.orderNumbers([n.phoneNumber], { orderRef: 'r' }))).code).toBe('upstream_error');
    // A failed call did nothing: the number is still in stock and the order goes through now.
    expect(await carrier.getInventoryNumber(n.phoneNumber)).not.toBeNull();
    await carrier.orderNumbers([n.phoneNumber], { orderRef: 'r' });
    await expect(carrier.portabilityCheck([n.phoneNumber])).resolves.toHaveLength(1); // the porting fault is used up
  });

  it('can lose a response after the call took effect; retrying with the same orderRef is safe', async () => {
    const [n] = await carrier.searchInventory({ countryCode: 'GB', limit: 1 });
    carrier.controls.loseNextResponses(1, 'orderNumbers');
    expect((await errorOf(carrier.orderNumbers([n.phoneNumber], { orderRef: 'lost' }))).retriable).toBe(true);
    expect(await carrier.getInventoryNumber(n.phoneNumber)).toBeNull(); // the order did happen
    const retry = await carrier.orderNumbers([n.phoneNumber], { orderRef: 'lost' });
    expect(retry.upstreamOrderId).toMatch(/^co_/);
    expect(carrier.controls.pendingActivations()).toBe(1);
  });

  it('adds latency to every call, and close() cancels calls waiting on it', async () => {
    carrier.controls.setLatency(40);
    const started = Date.now();
    await carrier.lookup('+15125550100', 'carrier');
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);

    const waiting = errorOf(carrier.lookup('+15125550100', 'carrier'));
    carrier.close();
    expect(await waiting).toMatchObject({ code: 'upstream_error', retriable: true });
    expect(carrier.controls.pendingTimers()).toBe(0);
  });

  it('re-times calls already waiting when the latency changes: lowered, they go at once', async () => {
    carrier.controls.setLatency(60_000);
    let answered = false;
    const waiting = carrier.lookup('+15125550100', 'carrier').then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 30));
    carrier.controls.setLatency(120_000); // raised: still waiting
    await new Promise((r) => setTimeout(r, 30));
    expect(answered).toBe(false);
    const started = Date.now();
    carrier.controls.setLatency(0);
    await expect(waiting).resolves.toMatchObject({ phoneNumber: '+15125550100' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(carrier.controls.pendingTimers()).toBe(0);

    carrier.controls.setLatency(60_000);
    const reset = carrier.lookup('+15125550100', 'carrier');
    carrier.controls.resetFaults();
    await expect(reset).resolves.toMatchObject({ phoneNumber: '+15125550100' });
  });

  it('resetFaults clears pending failures and latency', async () => {
    carrier.controls.failNextCalls(5);
    carrier.controls.setLatency(1000);
    carrier.controls.resetFaults();
    await expect(carrier.lookup('+15125550100', 'carrier')).resolves.toMatchObject({ phoneNumber: '+15125550100' });
  });

  it('leaves validation errors alone: they are not retriable', async () => {
    const e = await errorOf(carrier.lookup('nope', 'carrier'));
    expect(e).toMatchObject({ code: 'invalid_number', retriable: false });
  });

  it('refuses nonsense settings', () => {
    expect(() => carrier.controls.failNextCalls(-1)).toThrow(RangeError);
    expect(() => carrier.controls.setLatency(-5)).toThrow(RangeError);
    expect(() => carrier.controls.setActivationFailureRate(1.5)).toThrow(RangeError);
    expect(() => createCarrierSimulator({ timeScale: -1 })).toThrow(RangeError);
  });
});
