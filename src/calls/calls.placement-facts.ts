import { effectivePricing, markupOf } from '../billing/plans.service';
import { QuotaView, readQuota } from '../billing/quota.service';
import { ParsedNumber } from '../carrier/e164';
import { Db } from '../platform/db/client';
import { PREPARED } from '../platform/db/prepared';
import { rowsOf, sqlOf } from '../platform/db/sql';
import { isUuid } from '../platform/ids';
import { activeDid, OwnDid } from './calls.checks';
import { DestinationRate, findDestinationRate } from './rates.service';

// What placing a call must know before it can check anything: the tenant's quota, its number `from`, the
// destination's rate, the connection the call runs on, the markup it is priced at. Every placement asks, so on the
// plain pool they are one prepared statement (one round trip, planned once per connection) instead of six reads
// through the client. Inside a transaction (no plain pool) the same facts come from the ordinary reads.

export interface PlacementFacts {
  quota: QuotaView;
  /** The tenant's active number `from`, or null. */
  ownDid: OwnDid | null;
  rate: DestinationRate | null;
  /** The connection asked for when it is the tenant's; null when it is not (not_found); undefined when none was asked. */
  askedConnectionId: string | null | undefined;
  /** The tenant's default connection (read only when none was asked). */
  defaultConnectionId: string | null;
  markupBps: number;
}

const FACTS_SQL = `${PREPARED}
  SELECT q.tenant_id IS NOT NULL AS has_quota, q.daily_spend_cap_cents::text, q.concurrent_call_cap, q.countries_allowed,
         q.countries_blocked, q.prefixes_blocked, q.allow_caller_id_forwarding,
         d.id AS did_id, d.connection_id AS did_connection_id,
         r.country_code AS rate_country, r.prefix AS rate_prefix, r.description AS rate_description,
         r.carrier_cost_per_minute_millicents AS rate_millicents,
         c.id AS connection_id, t.markup_override_bps, p.markup_percent_bps
    FROM tenants t
    LEFT JOIN tenant_quotas q ON q.tenant_id = t.id
    LEFT JOIN subscriptions s ON s.tenant_id = t.id AND s.status = 'active'
    LEFT JOIN plans p ON p.slug = s.plan_slug
    LEFT JOIN LATERAL (
      SELECT id, connection_id FROM phone_numbers WHERE tenant_id = t.id AND e164 = $2 AND status = 'active' LIMIT 1
    ) d ON true
    LEFT JOIN LATERAL (
      SELECT country_code, prefix, description, carrier_cost_per_minute_millicents FROM destination_rates
       WHERE country_code = $3 AND $4 LIKE prefix || '%' AND retired_at IS NULL
       ORDER BY length(prefix) DESC LIMIT 1
    ) r ON true
    LEFT JOIN LATERAL (
      SELECT id FROM connections
       WHERE tenant_id = t.id AND CASE WHEN $5::boolean THEN id = $6::uuid ELSE is_default END LIMIT 1
    ) c ON true
   WHERE t.id = $1::uuid
   LIMIT 1`;

interface FactsRow {
  has_quota: boolean;
  daily_spend_cap_cents: string;
  concurrent_call_cap: number;
  countries_allowed: string[];
  countries_blocked: string[];
  prefixes_blocked: string[];
  allow_caller_id_forwarding: boolean;
  did_id: string | null;
  did_connection_id: string | null;
  rate_country: string | null;
  rate_prefix: string;
  rate_description: string;
  rate_millicents: number;
  connection_id: string | null;
  markup_override_bps: number | null;
  markup_percent_bps: number | null;
}

/** `askedConnection`: the connection the request names, if any (an id that is not a UUID is nobody's). */
export async function placementFacts(db: Db, tenantId: string, from: string, to: ParsedNumber, askedConnection: string | null | undefined): Promise<PlacementFacts> {
  const asked = askedConnection || undefined;
  if (!sqlOf(db)) return factsByReads(db, tenantId, from, to, asked);
  const askedId = asked !== undefined && isUuid(asked) ? asked : null;
  const [row] = await rowsOf<FactsRow>(db, FACTS_SQL, [tenantId, from, to.countryCode, to.e164.slice(1), asked !== undefined, askedId]);
  // A tenant made before every tenant got its quota row: readQuota creates it (once).
  if (!row || !row.has_quota) return factsByReads(db, tenantId, from, to, asked);
  return {
    quota: {
      dailySpendCapCents: BigInt(row.daily_spend_cap_cents),
      concurrentCallCap: row.concurrent_call_cap,
      countriesAllowed: row.countries_allowed,
      countriesBlocked: row.countries_blocked,
      prefixesBlocked: row.prefixes_blocked,
      allowCallerIdForwarding: row.allow_caller_id_forwarding,
    },
    ownDid: row.did_id ? { id: row.did_id, connectionId: row.did_connection_id } : null,
    rate: row.rate_country
      ? { countryCode: row.rate_country, prefix: row.rate_prefix, description: row.rate_description, carrierCostPerMinuteMillicents: row.rate_millicents }
      : null,
    askedConnectionId: asked === undefined ? undefined : row.connection_id,
    defaultConnectionId: asked === undefined ? row.connection_id : null,
    markupBps: markupOf(row.markup_override_bps, row.markup_percent_bps),
  };
}

async function factsByReads(db: Db, tenantId: string, from: string, to: ParsedNumber, asked: string | undefined): Promise<PlacementFacts> {
  const [quota, ownDid, rate, askedConnectionId, defaultConnectionId, pricing] = await Promise.all([
    readQuota(db, tenantId),
    activeDid(db, tenantId, from),
    findDestinationRate(db, to.countryCode, to.e164),
    asked === undefined ? undefined : ownConnection(db, tenantId, asked),
    asked === undefined ? defaultConnection(db, tenantId) : null,
    effectivePricing(db, tenantId),
  ]);
  return { quota, ownDid, rate, askedConnectionId, defaultConnectionId, markupBps: pricing.markupBps };
}

/** The tenant's own connection `asked` for, or null when it is not theirs (reported as not_found). */
async function ownConnection(db: Db, tenantId: string, asked: string): Promise<string | null> {
  const own = isUuid(asked) ? await db.connection.findFirst({ where: { id: asked, tenantId }, select: { id: true } }) : null;
  return own?.id ?? null;
}

/** The tenant's default connection: calls run on the one asked for, else the DID's, else this. */
async function defaultConnection(db: Db, tenantId: string): Promise<string | null> {
  const fallback = await db.connection.findFirst({ where: { tenantId, isDefault: true }, select: { id: true } });
  return fallback?.id ?? null;
}
