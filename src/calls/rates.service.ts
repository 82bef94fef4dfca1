import { Db } from '../platform/db/client';
import { ApiError } from '../platform/errors';

export interface DestinationRate {
  countryCode: string;
  prefix: string;
  description: string;
  carrierCostPerMinuteMillicents: number;
}

/**
 * The carrier's price for a destination: the longest prefix of its E.164 digits among the rates of its country
 * (a UK mobile number matches 447 before 44), retired rates left out. Null when we don't sell calls there.
 */
export async function findDestinationRate(db: Db, countryCode: string, e164: string): Promise<DestinationRate | null> {
  const digits = e164.replace(/^\+/, '');
  const [rate] = await db.$queryRaw<DestinationRate[]>`
    SELECT country_code AS "countryCode", prefix, description, carrier_cost_per_minute_millicents AS "carrierCostPerMinuteMillicents"
    FROM destination_rates
    WHERE country_code = ${countryCode} AND ${digits} LIKE prefix || '%' AND retired_at IS NULL
    ORDER BY length(prefix) DESC LIMIT 1`;
  return rate ?? null;
}

export function noPricing(countryCode: string, to: string): ApiError {
  return new ApiError('no_pricing_tier_configured', `There is no pricing for calls to ${to} (${countryCode}); contact support`);
}
