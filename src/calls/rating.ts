// Rating: the one rounding rule of call charges, and the arithmetic around it. Integer arithmetic only.
//
// THE RULE: a call is charged for its billable seconds (answer → hangup, partial seconds counted as whole
// ones) at the carrier's cost per minute × (1 + markup), computed exactly as a fraction of a cent and rounded
// UP to the next whole cent, once, for the whole call. Included plan seconds are taken off before rating.
//
//   cents = ceil( seconds × carrier_millicents_per_minute × (10 000 + markup_bps) / (60 × 1 000 × 10 000) )

const MILLICENTS_PER_CENT = 1000n;
const BPS = 10_000n;
const SECONDS_PER_MINUTE = 60n;

/** The rounding rule (see above). */
export function chargeCents(seconds: number, carrierMillicentsPerMinute: number, markupBps: number): bigint {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`seconds must be a whole number ≥ 0, got ${seconds}`);
  // A free destination (0) is an operator's choice; a negative cost is not a price.
  if (!Number.isInteger(carrierMillicentsPerMinute) || carrierMillicentsPerMinute < 0) throw new RangeError('carrier cost must be a whole number of millicents ≥ 0');
  if (!Number.isInteger(markupBps) || markupBps < 0) throw new RangeError('markup must be whole basis points ≥ 0');
  const numerator = BigInt(seconds) * BigInt(carrierMillicentsPerMinute) * (BPS + BigInt(markupBps));
  const denominator = SECONDS_PER_MINUTE * MILLICENTS_PER_CENT * BPS;
  return (numerator + denominator - 1n) / denominator;
}

/** Per-second billing: whole seconds from answer to hangup, a started second counting as one. */
export function billableSeconds(answeredAt: Date, endedAt: Date): number {
  const ms = endedAt.getTime() - answeredAt.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** The customer's price per minute, exact, as a decimal number of cents ("0.63"): for display, never rounded. */
export function pricePerMinuteCents(carrierMillicentsPerMinute: number, markupBps: number): string {
  // millicents × (10000 + bps) / 10000 / 1000 = cents; the divisor is 10^7, so the decimal is finite.
  const scaled = BigInt(carrierMillicentsPerMinute) * (BPS + BigInt(markupBps));
  const whole = scaled / 10_000_000n;
  const fraction = (scaled % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

export interface CallRating {
  billableSeconds: number;
  /** Seconds covered by the plan's included minutes (not charged). */
  includedSeconds: number;
  chargedSeconds: number;
  amountCents: bigint;
}

/** Rates one answered call: included seconds first, the rest by the rounding rule. */
export function rateCall(input: { billableSeconds: number; includedSecondsLeft: number; carrierMillicentsPerMinute: number; markupBps: number }): CallRating {
  const includedSeconds = Math.max(0, Math.min(input.billableSeconds, input.includedSecondsLeft));
  const chargedSeconds = input.billableSeconds - includedSeconds;
  return {
    billableSeconds: input.billableSeconds,
    includedSeconds,
    chargedSeconds,
    amountCents: chargedSeconds > 0 ? chargeCents(chargedSeconds, input.carrierMillicentsPerMinute, input.markupBps) : 0n,
  };
}

/** What a call freezes when placed: `minutes` at the destination's price, by the same rule (at least a cent). */
export function holdEstimateCents(minutes: number, carrierMillicentsPerMinute: number, markupBps: number): bigint {
  const cents = chargeCents(minutes * 60, carrierMillicentsPerMinute, markupBps);
  return cents > 0n ? cents : 1n;
}
