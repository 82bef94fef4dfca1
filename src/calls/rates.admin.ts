import { recordPlatformAudit, PlatformActor } from '../audit/audit.service';
import { CALLING_CODES } from '../carrier/calling-codes';
import { NANP_COUNTRIES } from '../carrier/nanp';
import { Db } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';

// Operators manage the destination rates (the carrier's cost per minute, by country and longest prefix) with the
// admin CLI: list, set (create or update by country and prefix) and retire. Rates belong to no tenant, so the
// operations are not on the tenant-facing APIs (whose `admin` scope is one tenant's); each change is audited
// with no tenant. Placing, preflight and answering read the table on every call, so a change prices the next
// call.

/** The largest price accepted: $100 a minute, far above any real destination, so a typo is refused. */
export const MAX_MILLICENTS_PER_MINUTE = 10_000_000;

export interface DestinationRateRow {
  countryCode: string;
  prefix: string;
  description: string;
  carrierCostPerMinuteMillicents: number;
  createdAt: Date;
  updatedAt: Date;
  retiredAt: Date | null;
}

export interface DestinationRateChange {
  countryCode: string;
  prefix: string;
  /** Required when the rate is new; kept when omitted on an update. */
  description?: string;
  carrierCostPerMinuteMillicents: number;
}

const SELECT = { countryCode: true, prefix: true, description: true, carrierCostPerMinuteMillicents: true, createdAt: true, updatedAt: true, retiredAt: true } as const;

/** The calling codes a country's numbers start with ("1" for every NANP member). */
export function callingCodesOf(countryCode: string): string[] {
  if (NANP_COUNTRIES.has(countryCode)) return ['1'];
  return Object.entries(CALLING_CODES).filter(([, country]) => country === countryCode).map(([code]) => code);
}

function checkCountry(countryCode: unknown): string {
  if (typeof countryCode !== 'string' || !/^[A-Z]{2}$/.test(countryCode)) throw invalidRequest('country_code must be an ISO 3166-1 alpha-2 code in capitals, such as US or GB', 'country_code');
  if (callingCodesOf(countryCode).length === 0) throw invalidRequest(`${countryCode} is not a country with a calling code here`, 'country_code');
  return countryCode;
}

function checkPrefix(countryCode: string, prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^[1-9][0-9]{0,14}$/.test(prefix)) throw invalidRequest('prefix must be the leading E.164 digits of the destination, without + (1 to 15 digits, not starting with 0)', 'prefix');
  const codes = callingCodesOf(countryCode);
  if (!codes.some((code) => prefix.startsWith(code))) throw invalidRequest(`A prefix of ${countryCode} starts with its calling code (${codes.join(' or ')}); got ${prefix}`, 'prefix');
  return prefix;
}

export async function listDestinationRates(db: Db, filter: { countryCode?: string; includeRetired?: boolean } = {}): Promise<DestinationRateRow[]> {
  const countryCode = filter.countryCode === undefined ? undefined : checkCountry(filter.countryCode);
  return db.destinationRate.findMany({
    where: { ...(countryCode ? { countryCode } : {}), ...(filter.includeRetired ? {} : { retiredAt: null }) },
    orderBy: [{ countryCode: 'asc' }, { prefix: 'asc' }],
    select: SELECT,
  });
}

/** Creates the rate, or updates (and un-retires) the one with this country and prefix. */
export async function setDestinationRate(db: Db, actor: PlatformActor, change: DestinationRateChange): Promise<DestinationRateRow> {
  const countryCode = checkCountry(change.countryCode);
  const prefix = checkPrefix(countryCode, change.prefix);
  const cost = change.carrierCostPerMinuteMillicents;
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > MAX_MILLICENTS_PER_MINUTE) {
    throw invalidRequest(`The carrier cost must be a whole number of millicents per minute between 0 and ${MAX_MILLICENTS_PER_MINUTE}`, 'carrier_cost_per_minute_millicents');
  }
  const description = change.description?.trim();
  if (description !== undefined && (description.length === 0 || description.length > 120)) throw invalidRequest('description must be 1 to 120 characters', 'description');
  return inTransaction(db, async (tx) => {
    // One change of a country and prefix at a time (the row may not exist yet, so its lock is not enough).
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`destination_rate:${countryCode}:${prefix}`}, 0))::text`;
    const existing = await tx.destinationRate.findUnique({ where: { countryCode_prefix: { countryCode, prefix } }, select: SELECT });
    const now = new Date();
    let saved: DestinationRateRow;
    if (existing) {
      saved = await tx.destinationRate.update({
        where: { countryCode_prefix: { countryCode, prefix } },
        data: { carrierCostPerMinuteMillicents: cost, ...(description !== undefined ? { description } : {}), updatedAt: now, retiredAt: null },
        select: SELECT,
      });
    } else {
      if (description === undefined) throw invalidRequest('A new rate needs a description', 'description');
      saved = await tx.destinationRate.create({ data: { countryCode, prefix, description, carrierCostPerMinuteMillicents: cost, createdAt: now, updatedAt: now }, select: SELECT });
    }
    await recordPlatformAudit(tx, actor, {
      action: existing ? 'destination_rate.updated' : 'destination_rate.created',
      resourceType: 'destination_rate',
      resourceId: `${countryCode}:${prefix}`,
      before: existing ? viewOf(existing) : null,
      after: viewOf(saved),
    });
    return saved;
  });
}

/** Retires a rate: it prices nothing from now on (calls already placed keep theirs). Retiring twice changes nothing. */
export async function retireDestinationRate(db: Db, actor: PlatformActor, countryCodeIn: string, prefixIn: string): Promise<DestinationRateRow> {
  const countryCode = checkCountry(countryCodeIn);
  const prefix = checkPrefix(countryCode, prefixIn);
  return inTransaction(db, async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`destination_rate:${countryCode}:${prefix}`}, 0))::text`;
    const existing = await tx.destinationRate.findUnique({ where: { countryCode_prefix: { countryCode, prefix } }, select: { retiredAt: true } });
    if (!existing) throw new ApiError('not_found', `There is no destination rate ${countryCode} ${prefix}`);
    if (existing.retiredAt) return tx.destinationRate.findUniqueOrThrow({ where: { countryCode_prefix: { countryCode, prefix } }, select: SELECT });
    const now = new Date();
    const retired = await tx.destinationRate.update({ where: { countryCode_prefix: { countryCode, prefix } }, data: { retiredAt: now, updatedAt: now }, select: SELECT });
    await recordPlatformAudit(tx, actor, {
      action: 'destination_rate.retired',
      resourceType: 'destination_rate',
      resourceId: `${countryCode}:${prefix}`,
      before: { retired_at: null },
      after: { retired_at: now },
    });
    return retired;
  });
}

/** A rate as the CLI prints it and the audit log keeps it. */
export function viewOf(r: DestinationRateRow) {
  return {
    country_code: r.countryCode,
    prefix: r.prefix,
    description: r.description,
    carrier_cost_per_minute_millicents: r.carrierCostPerMinuteMillicents,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    retired_at: r.retiredAt,
  };
}
