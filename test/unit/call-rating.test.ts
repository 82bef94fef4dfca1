import { billableSeconds, chargeCents, holdEstimateCents, pricePerMinuteCents, rateCall } from '../../src/calls/rating';

describe('call rating: one rounding rule (exact fraction of a cent, rounded up once per call)', () => {
  // seconds × carrier millicents/min × (10000 + markup bps) / 600 000 000, rounded up to the cent
  it.each([
    // seconds, carrier millicents/min, markup bps, cents
    [0, 450, 4000, 0n],
    [1, 450, 4000, 1n], // 0.0105 ¢ → 1 ¢
    [60, 450, 4000, 1n], // 0.63 ¢ → 1 ¢
    [600, 450, 4000, 7n], // 6.3 ¢ → 7 ¢
    [6000, 450, 4000, 63n], // exactly 63 ¢: no rounding
    [6001, 450, 4000, 64n], // 63.0105 ¢ → 64 ¢
    [61, 1200, 0, 2n], // 1.22 ¢ → 2 ¢
    [60, 1000, 0, 1n], // exactly 1 ¢
    [125, 5500, 4000, 17n], // 16.0416… ¢ → 17 ¢
    [125, 5500, 3000, 15n], // 14.8958… ¢ → 15 ¢
    [125, 5500, 2500, 15n], // 14.3229… ¢ → 15 ¢
    [3600, 1800, 2500, 135n], // exactly 135 ¢
    [3599, 1800, 2500, 135n], // 134.9625 ¢ → 135 ¢
    [86_400, 450, 100_000, 7128n], // exactly 7128 ¢ (a day at 1000 % markup)
    [86_399, 450, 100_000, 7128n], // 7127.9175 ¢ → 7128 ¢
    [600, 0, 4000, 0n], // a free destination (an operator's rate of 0) costs nothing
  ])('%i s at %i m¢/min with %i bps markup → %i ¢', (seconds, carrier, markup, cents) => {
    expect(chargeCents(seconds, carrier, markup)).toBe(cents);
  });

  it('bills whole seconds from answer to hangup, a started second counting as one', () => {
    const a = new Date('2026-11-23T10:00:00.000Z');
    expect(billableSeconds(a, new Date('2026-11-23T10:00:00.000Z'))).toBe(0);
    expect(billableSeconds(a, new Date('2026-11-23T10:00:00.001Z'))).toBe(1);
    expect(billableSeconds(a, new Date('2026-11-23T10:01:00.000Z'))).toBe(60);
    expect(billableSeconds(a, new Date('2026-11-23T10:01:00.200Z'))).toBe(61);
    expect(billableSeconds(a, new Date('2026-11-23T09:59:00.000Z'))).toBe(0);
  });

  it('uses included seconds first, then rates the rest', () => {
    expect(rateCall({ billableSeconds: 125, includedSecondsLeft: 0, carrierMillicentsPerMinute: 5500, markupBps: 4000 })).toEqual({ billableSeconds: 125, includedSeconds: 0, chargedSeconds: 125, amountCents: 17n });
    expect(rateCall({ billableSeconds: 125, includedSecondsLeft: 60, carrierMillicentsPerMinute: 5500, markupBps: 4000 })).toEqual({ billableSeconds: 125, includedSeconds: 60, chargedSeconds: 65, amountCents: 9n });
    expect(rateCall({ billableSeconds: 125, includedSecondsLeft: 600, carrierMillicentsPerMinute: 5500, markupBps: 4000 })).toEqual({ billableSeconds: 125, includedSeconds: 125, chargedSeconds: 0, amountCents: 0n });
  });

  it('prices per minute exactly for display, and holds an estimate by the same rule', () => {
    expect(pricePerMinuteCents(450, 4000)).toBe('0.63');
    expect(pricePerMinuteCents(5500, 2500)).toBe('6.875');
    expect(pricePerMinuteCents(1000, 0)).toBe('1');
    expect(holdEstimateCents(10, 450, 4000)).toBe(7n);
    expect(holdEstimateCents(1, 1, 0)).toBe(1n);
  });
});
