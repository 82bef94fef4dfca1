import { parseE164, ParsedNumber } from '../carrier/e164';
import { insufficientFunds } from '../billing/ledger.service';
import { effectivePricing } from '../billing/plans.service';
import { QuotaView } from '../billing/quota.service';
import { spentToday } from '../billing/daily-spend';
import { startOfUtcDay } from '../platform/clock';
import { Db } from '../platform/db/client';
import { ApiError, ErrorCode, invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { holdEstimateCents, pricePerMinuteCents } from './rating';
import { DestinationRate, findDestinationRate, noPricing } from './rates.service';

// The checks a call must pass before anything is dialled or charged, in the order the API promises:
//   forbidden → from_number_not_owned → country_blocked / country_not_allowed → prefix_blocked →
//   no_pricing_tier_configured → balance_insufficient (or auto_recharge_failed) → daily_spend_cap_exceeded →
//   concurrent_call_cap_exceeded.
// placeCall runs the money and capacity checks for real (freezing the hold) under a per-tenant lock, in SQL
// (place_outbound_call, which must agree with checkBalanceReadOnly, checkDailySpend and checkConcurrency here);
// callPreflight runs the same rules read-only and reports every outcome instead of stopping at the first.

export const CHECK_ORDER = ['scope', 'from_number', 'destination_country', 'destination_prefix', 'pricing', 'balance', 'daily_spend_cap', 'concurrent_call_cap'] as const;
export type CheckName = (typeof CHECK_ORDER)[number];

/** Calls that hold a line: they count against the concurrent-call cap and their holds are still frozen. */
export const IN_FLIGHT = ['queued', 'initiated', 'ringing', 'answered'] as const;

export const DEFAULT_HOLD_ESTIMATE_MINUTES = 10;

export function parseNumber(value: string, field: 'from' | 'to'): ParsedNumber {
  const parsed = parseE164(value);
  if (!parsed) throw invalidRequest(`${field} must be an E.164 number (+, country code, number; no spaces), got ${JSON.stringify(value)}`, field);
  return parsed;
}

export interface OwnDid {
  id: string;
  connectionId: string | null;
}

/** The tenant's active number `from`, if it has one. */
export async function activeDid(db: Db, tenantId: string, from: string): Promise<OwnDid | null> {
  return db.phoneNumber.findFirst({ where: { tenantId, e164: from, status: 'active' }, select: { id: true, connectionId: true } });
}

/** The tenant's active DID `from`, or null when the quota lets it present another caller id. */
export function checkFrom(quota: QuotaView, from: string, did: OwnDid | null): OwnDid | null {
  if (did) return did;
  if (quota.allowCallerIdForwarding) return null;
  throw new ApiError('from_number_not_owned', `${from} is not an active number of this account, and caller-id forwarding is not enabled`);
}

export function checkCountry(quota: QuotaView, to: ParsedNumber): void {
  if (quota.countriesBlocked.includes(to.countryCode)) throw new ApiError('country_blocked', `Calls to ${to.countryCode} are blocked by your quota`);
  // An empty allow-list means no allow-list is configured.
  if (quota.countriesAllowed.length > 0 && !quota.countriesAllowed.includes(to.countryCode)) {
    throw new ApiError('country_not_allowed', `${to.countryCode} is not on your quota's allowed countries (${quota.countriesAllowed.join(', ')})`);
  }
}

export function checkPrefix(quota: QuotaView, to: ParsedNumber): void {
  const digits = to.e164.slice(1);
  const hit = quota.prefixesBlocked.find((p) => digits.startsWith(p.replace(/^\+/, '')));
  if (hit !== undefined) throw new ApiError('prefix_blocked', `${to.e164} matches the blocked prefix ${hit}`);
}

export async function checkPricing(db: Db, to: ParsedNumber): Promise<DestinationRate> {
  const rate = await findDestinationRate(db, to.countryCode, to.e164);
  if (!rate) throw noPricing(to.countryCode, to.e164);
  return rate;
}

export interface Price {
  markupBps: number;
  holdCents: bigint;
  pricePerMinuteCents: string;
}

export async function priceOfCall(deps: ServiceDeps, tenantId: string, rate: DestinationRate): Promise<Price> {
  const { markupBps } = await effectivePricing(deps.db, tenantId);
  return priceAt(deps, rate, markupBps);
}

/** The customer's price of `rate` at `markupBps`, and the hold a call freezes for it. */
export function priceAt(deps: Pick<ServiceDeps, 'callHoldEstimateMinutes'>, rate: DestinationRate, markupBps: number): Price {
  const minutes = deps.callHoldEstimateMinutes ?? DEFAULT_HOLD_ESTIMATE_MINUTES;
  return { markupBps, holdCents: holdEstimateCents(minutes, rate.carrierCostPerMinuteMillicents, markupBps), pricePerMinuteCents: pricePerMinuteCents(rate.carrierCostPerMinuteMillicents, markupBps) };
}

/**
 * The daily cap counts what was spent since UTC midnight plus what in-flight calls hold (`heldForCallsCents`,
 * this call's estimate included): calls running together can never spend past the cap.
 */
export async function checkDailySpend(deps: ServiceDeps, tenantId: string, quota: QuotaView, heldForCallsCents: bigint): Promise<void> {
  const spent = await spentToday(deps, tenantId, startOfUtcDay(deps.clock.now()));
  if (spent + heldForCallsCents > quota.dailySpendCapCents) throw dailySpendCapExceeded(quota, spent, heldForCallsCents);
}

export function dailySpendCapExceeded(quota: QuotaView, spentCents: bigint, heldForCallsCents: bigint): ApiError {
  return new ApiError('daily_spend_cap_exceeded', `Spent today ${spentCents} cents, held for calls ${heldForCallsCents} cents: the daily cap of ${quota.dailySpendCapCents} cents would be exceeded`);
}

/** What the active holds of this tenant's in-flight calls amount to. */
export async function heldForCalls(db: Db, tenantId: string): Promise<bigint> {
  const [{ held }] = await db.$queryRaw<{ held: bigint }[]>`
    SELECT COALESCE(SUM(amount_cents), 0)::bigint AS held FROM credit_holds
    WHERE tenant_id = ${tenantId}::uuid AND status = 'active' AND transaction_id LIKE 'call:%'`;
  return held;
}

export async function inFlightCount(db: Db, tenantId: string): Promise<number> {
  return db.call.count({ where: { tenantId, status: { in: [...IN_FLIGHT] } } });
}

export function checkConcurrency(quota: QuotaView, inFlight: number): void {
  if (inFlight >= quota.concurrentCallCap) throw concurrentCallCapExceeded(quota, inFlight);
}

export function concurrentCallCapExceeded(quota: QuotaView, inFlight: number): ApiError {
  return new ApiError('concurrent_call_cap_exceeded', `${inFlight} calls are in flight: the concurrent-call cap is ${quota.concurrentCallCap}`);
}

/** Read-only form of the balance check (preflight): the same answer freeze would give. */
export async function checkBalanceReadOnly(db: Db, tenantId: string, holdCents: bigint): Promise<void> {
  const t = await db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { balanceCents: true, creditLimitCents: true, heldCents: true } });
  if (t.balanceCents + t.creditLimitCents - t.heldCents < holdCents) throw await insufficientFunds(db, tenantId, holdCents, 'balance_insufficient');
}

export interface CheckOutcome {
  check: CheckName;
  passed: boolean;
  /** The code the check fails with; null when it passes or could not be evaluated. */
  code: ErrorCode | null;
  message: string | null;
}

/** Runs one check for preflight: an ApiError becomes its outcome, anything else propagates. */
export async function outcomeOf(check: CheckName, run: () => Promise<unknown> | unknown): Promise<CheckOutcome> {
  try {
    await run();
    return { check, passed: true, code: null, message: null };
  } catch (err) {
    if (err instanceof ApiError) return { check, passed: false, code: err.code, message: err.message };
    throw err;
  }
}
