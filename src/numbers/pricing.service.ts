import { NumberType } from '../generated/prisma/enums';
import { Db } from '../platform/db/client';
import { ApiError } from '../platform/errors';

export interface CustomerPrice {
  activationCents: bigint;
  monthlyCents: bigint;
}

/** The customer price (after markup) of one (country, type); 422 no_pricing_tier_configured when we don't sell it. */
export async function priceOf(db: Db, countryCode: string, numberType: NumberType): Promise<CustomerPrice> {
  const tier = await db.pricingTier.findUnique({ where: { countryCode_numberType: { countryCode: countryCode.toUpperCase(), numberType } } });
  if (!tier) throw new ApiError('no_pricing_tier_configured', `There is no pricing for ${numberType} numbers in ${countryCode.toUpperCase()}; contact support`);
  return { activationCents: tier.customerActivationCents, monthlyCents: tier.customerMonthlyCents };
}

/**
 * The first month's MRC for a number activated at `at`: the share of the UTC month left, counted in days
 * (the activation day included), rounded half up to the cent. Integer arithmetic only.
 */
export function proratedMonthlyCents(monthlyCents: bigint, at: Date): bigint {
  const daysInMonth = BigInt(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate());
  const daysLeft = daysInMonth - BigInt(at.getUTCDate()) + 1n;
  return (monthlyCents * daysLeft * 2n + daysInMonth) / (daysInMonth * 2n);
}

/** `2026-11` for the UTC month of `at`, the MRC's dedupe period. */
export function utcMonthKey(at: Date): string {
  return at.toISOString().slice(0, 7);
}
