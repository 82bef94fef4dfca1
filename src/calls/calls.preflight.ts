import { readQuota } from '../billing/quota.service';
import { hasScope, Actor, requireScope } from '../platform/auth/scopes';
import { ApiError } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import {
  activeDid,
  checkBalanceReadOnly,
  checkConcurrency,
  checkCountry,
  checkDailySpend,
  checkFrom,
  checkPrefix,
  checkPricing,
  CheckOutcome,
  heldForCalls,
  inFlightCount,
  outcomeOf,
  parseNumber,
  Price,
  priceOfCall,
} from './calls.checks';

export interface PreflightResult {
  /** True when every check passes: placing the call now would dial it. */
  passed: boolean;
  /** The code placing the call would fail with (the first failing check's), or null. */
  code: string | null;
  checks: CheckOutcome[];
  destinationCountry: string;
  /** The customer's price per minute, exact decimal cents ("0.63"); null when the destination is not priced. */
  pricePerMinuteCents: string | null;
  /** What placing it would freeze; null when not priced. */
  holdCents: bigint | null;
}

/**
 * Every check of placeCall, read-only, in the same order, each reported (a later check still runs when an
 * earlier one fails, so a developer sees everything wrong at once). Nothing is dialled, frozen or charged.
 * Needs calls:read (to ask); the `scope` check reports whether the key could place the call (calls:write).
 */
export async function callPreflight(deps: ServiceDeps, actor: Actor, input: { from: string; to: string }): Promise<PreflightResult> {
  requireScope(actor, 'calls:read');
  const from = parseNumber(input.from, 'from');
  const to = parseNumber(input.to, 'to');
  const tenantId = actor.tenantId;
  const quota = await readQuota(deps.db, tenantId);
  let price: Price | null = null;
  const notPriced = () => {
    if (!price) throw new ApiError('no_pricing_tier_configured', 'Not evaluated: the destination has no price');
  };
  const checks = [
    await outcomeOf('scope', () => {
      if (!hasScope(actor, 'calls:write')) throw new ApiError('forbidden', 'This API key lacks the calls:write scope required to place calls');
    }),
    await outcomeOf('from_number', async () => checkFrom(quota, from.e164, await activeDid(deps.db, tenantId, from.e164))),
    await outcomeOf('destination_country', () => checkCountry(quota, to)),
    await outcomeOf('destination_prefix', () => checkPrefix(quota, to)),
    await outcomeOf('pricing', async () => {
      price = await priceOfCall(deps, tenantId, await checkPricing(deps.db, to));
    }),
    await outcomeOf('balance', async () => {
      notPriced();
      await checkBalanceReadOnly(deps.db, tenantId, price!.holdCents);
    }),
    await outcomeOf('daily_spend_cap', async () => {
      notPriced();
      await checkDailySpend(deps, tenantId, quota, (await heldForCalls(deps.db, tenantId)) + price!.holdCents);
    }),
    await outcomeOf('concurrent_call_cap', async () => checkConcurrency(quota, await inFlightCount(deps.db, tenantId))),
  ];
  // A check that could not be evaluated (no price) reports no code of its own.
  for (const c of checks) if (!c.passed && c.code === 'no_pricing_tier_configured' && c.check !== 'pricing') c.code = null;
  const firstFailure = checks.find((c) => !c.passed);
  const finalPrice = price as Price | null;
  return {
    passed: !firstFailure,
    code: firstFailure?.code ?? null,
    checks,
    destinationCountry: to.countryCode,
    pricePerMinuteCents: finalPrice?.pricePerMinuteCents ?? null,
    holdCents: finalPrice?.holdCents ?? null,
  };
}
