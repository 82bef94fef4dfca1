import { NUMBER_EVENT_SELECT, numberStatusNotice, recordNumberEvent } from './numbers.events';
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { credit, debit } from '../billing/ledger.service';
import { NumberType, PhoneNumberStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { columns, int8 } from '../platform/db/columns';
import { sqlOf } from '../platform/db/sql';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { Capability, CarrierNumberEvent } from './carrier-port';
import { requireCarrier, validPhoneNumbers } from './numbers.shared';
import { priceOf, proratedMonthlyCents, utcMonthKey } from './pricing.service';

// Ordering: the NRC is debited once per order, in the transaction that inserts the pending rows; a partial unique
// index (e164 where pending or active) makes "one live owner per number" a fact of the database. The carrier
// activates in the background and reports each number once: success debits the first month's MRC pro rata,
// failure refunds that number's NRC. Both are keyed by the row's state, so an event delivered twice does nothing.

export const NUMBER_TYPES: readonly NumberType[] = ['local', 'toll_free', 'national', 'mobile'];
const CAPABILITIES: readonly Capability[] = ['voice', 'sms', 'mms', 'fax'];

export interface PhoneNumberView {
  id: string;
  e164: string;
  countryCode: string;
  numberType: NumberType;
  capabilities: string[];
  status: PhoneNumberStatus;
  monthlyPriceCentsCustomer: bigint;
  activationPriceCentsCustomer: bigint;
  connectionId: string | null;
  customerReference: string | null;
  cnamLookupEnabled: boolean;
  cnamDisplayName: string | null;
  techPrefixEnabled: boolean;
  inboundCallScreening: string;
  messagingEnabled: boolean;
  failureReason: string | null;
  orderedAt: Date;
  activatedAt: Date | null;
  releasedAt: Date | null;
  createdAt: Date;
  /** The DID's emergency endpoint; null = not emergency-capable. */
  emergencyAddressId: string | null;
}

export const VIEW_SELECT = {
  id: true, e164: true, countryCode: true, numberType: true, capabilities: true, status: true, monthlyPriceCentsCustomer: true,
  activationPriceCentsCustomer: true, connectionId: true, customerReference: true, cnamLookupEnabled: true, cnamDisplayName: true,
  techPrefixEnabled: true, inboundCallScreening: true, messagingEnabled: true, failureReason: true, orderedAt: true, activatedAt: true,
  releasedAt: true, createdAt: true, emergencyAddressId: true,
} as const;

/** VIEW_SELECT as hand-written SQL (a test reads the same numbers both ways). */
export const NUMBER_COLUMNS = columns<PhoneNumberView>({
  id: 'id', e164: 'e164', countryCode: 'country_code', numberType: 'number_type', capabilities: 'capabilities', status: 'status',
  monthlyPriceCentsCustomer: int8('monthly_price_cents_customer'), activationPriceCentsCustomer: int8('activation_price_cents_customer'),
  connectionId: 'connection_id', customerReference: 'customer_reference', cnamLookupEnabled: 'cnam_lookup_enabled', cnamDisplayName: 'cnam_display_name',
  techPrefixEnabled: 'tech_prefix_enabled', inboundCallScreening: 'inbound_call_screening', messagingEnabled: 'messaging_enabled',
  failureReason: 'failure_reason', orderedAt: 'ordered_at', activatedAt: 'activated_at', releasedAt: 'released_at', createdAt: 'created_at',
  emergencyAddressId: 'emergency_address_id',
});

export interface AvailableNumber {
  phoneNumber: string;
  countryCode: string;
  region: string | null;
  locality: string | null;
  numberType: NumberType;
  capabilities: string[];
  pricing: { activationFeeCents: bigint; monthlyFeeCents: bigint };
}

export interface AvailableSearch {
  countryCode: string;
  numberType?: string | null;
  nationalDestinationCode?: string | null;
  locality?: string | null;
  features?: string[] | null;
  limit?: number | null;
}

export function parseNumberType(value: string, field = 'number_type'): NumberType {
  if (!(NUMBER_TYPES as readonly string[]).includes(value)) throw invalidRequest(`${field} must be one of ${NUMBER_TYPES.join(', ')}`, field);
  return value as NumberType;
}

function parseCountry(value: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z]{2}$/.test(value)) throw invalidRequest('country_code must be an ISO 3166-1 alpha-2 code', 'country_code');
  return value.toUpperCase();
}

/** The carrier's inventory, minus numbers sold or held by anyone, priced from the tier (GET /v1/numbers/available). */
export async function searchAvailable(deps: ServiceDeps, actor: Actor, search: AvailableSearch): Promise<AvailableNumber[]> {
  requireScope(actor, 'numbers:read');
  const countryCode = parseCountry(search.countryCode);
  const numberType = search.numberType ? parseNumberType(search.numberType) : undefined;
  const limit = search.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit must be between 1 and 100', 'limit');
  const features = (search.features ?? []).map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = features.filter((f) => !(CAPABILITIES as readonly string[]).includes(f));
  if (unknown.length) throw invalidRequest(`unknown features: ${unknown.join(', ')}; valid: ${CAPABILITIES.join(', ')}`, 'features');
  // With a type, a missing tier is the answer; without one, unpriced types are simply not offered.
  const tiers = await deps.db.pricingTier.findMany({ where: { countryCode, ...(numberType ? { numberType } : {}) } });
  if (numberType && tiers.length === 0) await priceOf(deps.db, countryCode, numberType);
  const priceByType = new Map(tiers.map((t) => [t.numberType, t]));
  const exclude = await unavailableNumbers(deps);
  const found = await requireCarrier(deps).searchInventory({
    countryCode,
    numberType,
    nationalDestinationCode: search.nationalDestinationCode ?? undefined,
    locality: search.locality ?? undefined,
    features: features as Capability[],
    // Over-ask so numbers of unpriced types can be dropped and the page still fills.
    limit: numberType ? limit : limit * NUMBER_TYPES.length,
    exclude,
  });
  return found
    .filter((n) => priceByType.has(n.numberType) && !exclude.has(n.phoneNumber))
    .slice(0, limit)
    .map((n) => {
      const tier = priceByType.get(n.numberType)!;
      return {
        phoneNumber: n.phoneNumber,
        countryCode: n.countryCode,
        region: n.region,
        locality: n.locality,
        numberType: n.numberType,
        capabilities: [...n.capabilities],
        pricing: { activationFeeCents: tier.customerActivationCents, monthlyFeeCents: tier.customerMonthlyCents },
      };
    });
}

/** Numbers live in any tenant or held by an unexpired reservation of anyone. */
async function unavailableNumbers(deps: ServiceDeps): Promise<Set<string>> {
  const rows = await deps.db.$queryRaw<{ e164: string }[]>`
    SELECT e164 FROM phone_numbers WHERE status IN ('pending', 'active')
    UNION SELECT e164 FROM reserved_numbers WHERE expires_at > ${deps.clock.now()}`;
  return new Set(rows.map((r) => r.e164));
}

export interface OrderInput {
  phoneNumbers: string[];
  countryCode: string;
  numberType: string;
}

/** POST /v1/numbers/order: quote, debit the NRC once, insert the pending rows, submit upstream after commit. */
export async function orderNumbers(deps: ServiceDeps, actor: Actor, input: OrderInput): Promise<PhoneNumberView[]> {
  requireScope(actor, 'numbers:write');
  // Sorted: concurrent orders sharing numbers take the unique-index locks in one order, so they cannot deadlock.
  const numbers = validPhoneNumbers(input.phoneNumbers).sort();
  const countryCode = parseCountry(input.countryCode);
  const numberType = parseNumberType(input.numberType);
  const price = await priceOf(deps.db, countryCode, numberType);
  const carrier = requireCarrier(deps);
  const stocked = new Map((await carrier.inventoryNumbers(numbers)).map((n) => [n.phoneNumber, n]));
  const notOrderable = numbers.filter((n) => stocked.get(n)?.countryCode !== countryCode || stocked.get(n)?.numberType !== numberType);
  if (notOrderable.length) throw new ApiError('order_invalid', `Not orderable as ${countryCode} ${numberType}: ${notOrderable.join(', ')}`);
  const rootDb = deps.rootDb ?? deps.db;
  const orderId = randomUUID();

  const ordered = await inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    // Locks the holds, so a reservation cannot take them over while this order decides.
    const heldByOthers = await tx.$queryRaw<{ e164: string }[]>`
      SELECT e164 FROM reserved_numbers
      WHERE e164 = ANY(${numbers}::text[]) AND tenant_id <> ${actor.tenantId}::uuid AND expires_at > ${now}
      ORDER BY e164 FOR UPDATE`;
    if (heldByOthers.length) throw new ApiError('order_invalid', `Reserved by someone else: ${heldByOthers.map((r) => r.e164).join(', ')}`);
    const ids: string[] = [];
    for (const e164 of numbers) {
      const caps = [...stocked.get(e164)!.capabilities];
      // A concurrent order of the same number waits here for the other's commit, then inserts nothing.
      const inserted = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO phone_numbers (tenant_id, e164, country_code, number_type, capabilities, status, activation_price_cents_customer,
                                   monthly_price_cents_customer, order_id, ordered_at, created_at)
        VALUES (${actor.tenantId}::uuid, ${e164}, ${countryCode}, ${numberType}::number_type, ${caps}::text[], 'pending',
                ${price.activationCents}, ${price.monthlyCents}, ${orderId}::uuid, ${now}, ${now})
        ON CONFLICT (e164) WHERE status IN ('pending', 'active') DO NOTHING
        RETURNING id`;
      if (inserted.length === 0) throw new ApiError('order_invalid', `Already sold: ${e164}`);
      ids.push(inserted[0].id);
    }
    const totalNrc = price.activationCents * BigInt(numbers.length);
    if (totalNrc > 0n) {
      await debit(
        withDb(deps, tx),
        {
          tenantId: actor.tenantId,
          kind: 'number_activation',
          amountCents: totalNrc,
          description: `Activation of ${numbers.length} ${countryCode} ${numberType} number(s)`,
          reference: { type: 'number_order', id: orderId },
          dedupeKey: `number_activation:${orderId}`,
        },
        { insufficientCode: 'balance_insufficient' },
      );
    }
    // The caller's own reservation of these numbers is consumed by the order.
    const consumed = await tx.$queryRaw<{ reservation_id: string }[]>`
      DELETE FROM reserved_numbers WHERE e164 = ANY(${numbers}::text[]) AND tenant_id = ${actor.tenantId}::uuid RETURNING reservation_id`;
    const reservationIds = [...new Set(consumed.map((c) => c.reservation_id))];
    if (reservationIds.length) {
      await tx.$executeRaw`
        UPDATE number_reservations r SET released_at = ${now}
        WHERE r.id = ANY(${reservationIds}::uuid[]) AND r.released_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM reserved_numbers h WHERE h.reservation_id = r.id)`;
    }
    await recordAudit(tx, actor, {
      action: 'number_order.created',
      resourceType: 'number_order',
      resourceId: orderId,
      after: { phone_numbers: numbers, country_code: countryCode, number_type: numberType, activation_cents_total: totalNrc, monthly_cents_each: price.monthlyCents },
    });
    const rows = await tx.phoneNumber.findMany({ where: { id: { in: ids } }, select: VIEW_SELECT, orderBy: { e164: 'asc' } });
    afterCommit(tx, async () => {
      await submitOrder({ ...deps, db: rootDb }, orderId, numbers);
    });
    return rows;
  });
  return ordered;
}

/**
 * After commit: hands the order to the carrier. A refused submission fails every number (refunding its NRC); an
 * unconfirmed one (carrier down, answer lost) leaves them pending for the recovery job, which resubmits with the
 * same orderRef (activation-recovery.ts).
 */
export async function submitOrder(deps: ServiceDeps, orderId: string, numbers: string[]): Promise<string | null> {
  try {
    const accepted = await requireCarrier(deps).orderNumbers(numbers, orderId);
    await deps.db.phoneNumber.updateMany({ where: { orderId, upstreamOrderId: null }, data: { upstreamOrderId: accepted.upstreamOrderId } });
    return accepted.upstreamOrderId;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'upstream_error') return null;
    const reason = `the carrier refused the order: ${(err as Error).message}`;
    for (const e164 of numbers) {
      await applyNumberEvent(deps, { id: `submit:${orderId}:${e164}`, type: 'number.activation_failed', phoneNumber: e164, upstreamOrderId: '', orderRef: orderId, at: deps.clock.now(), reason });
    }
    return null;
  }
}

/**
 * One activation outcome from the carrier. Idempotent: only a pending row changes, under a row lock, and the
 * ledger entries carry dedupe keys besides.
 */
export async function applyNumberEvent(deps: ServiceDeps, event: CarrierNumberEvent): Promise<PhoneNumberView | null> {
  if (!isUuid(event.orderRef)) return null;
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; tenant_id: string; status: string; activation_price_cents_customer: bigint; monthly_price_cents_customer: bigint }[]>`
      SELECT id, tenant_id, status::text, activation_price_cents_customer, monthly_price_cents_customer FROM phone_numbers
      WHERE order_id = ${event.orderRef}::uuid AND e164 = ${event.phoneNumber} FOR UPDATE`;
    if (!row || row.status !== 'pending') return null;
    const txDeps = withDb(deps, tx);
    const upstream = event.upstreamOrderId ? { upstreamOrderId: event.upstreamOrderId } : {};
    let status: PhoneNumberStatus;
    if (event.type === 'number.activated') {
      status = 'active';
      const at = event.at;
      await tx.phoneNumber.update({ where: { id: row.id }, data: { status, activatedAt: at, ...upstream } });
      const mrc = proratedMonthlyCents(row.monthly_price_cents_customer, at);
      if (mrc > 0n) {
        await debit(
          txDeps,
          {
            tenantId: row.tenant_id,
            kind: 'number_monthly',
            amountCents: mrc,
            description: `Monthly fee of ${event.phoneNumber}, ${utcMonthKey(at)} (pro rata from activation)`,
            reference: { type: 'phone_number', id: row.id },
            dedupeKey: `number_monthly:${row.id}:${utcMonthKey(at)}`,
          },
          // Owed once the number is live: charged even past the credit limit.
          { force: true },
        );
      }
    } else {
      status = 'failed';
      await tx.phoneNumber.update({ where: { id: row.id }, data: { status, failedAt: event.at, failureReason: event.reason ?? 'activation failed upstream', ...upstream } });
      if (row.activation_price_cents_customer > 0n) {
        // A balancing entry of the same kind, so spend by kind nets the failed activation out.
        await credit(txDeps, {
          tenantId: row.tenant_id,
          kind: 'number_activation',
          amountCents: row.activation_price_cents_customer,
          description: `Activation of ${event.phoneNumber} failed: NRC returned`,
          reference: { type: 'phone_number', id: row.id },
          dedupeKey: `number_activation_refund:${row.id}`,
        });
      }
    }
    const changed = await tx.phoneNumber.findUniqueOrThrow({ where: { id: row.id }, select: NUMBER_EVENT_SELECT });
    const recorded = await recordNumberEvent(tx, status === 'active' ? 'number_order.completed' : 'number_order.failed', changed, event.at);
    afterCommit(tx, () => deps.pubSub.publish('NUMBER_STATUS_CHANGED', row.tenant_id, numberStatusNotice(recorded, status)));
    return tx.phoneNumber.findUniqueOrThrow({ where: { id: row.id }, select: VIEW_SELECT });
  });
}

/** Wires the carrier's activation events to the ledger and the rows; returns the unsubscribe. */
export function startNumberActivation(deps: ServiceDeps, onError: (err: unknown, event: CarrierNumberEvent) => void): () => void {
  return requireCarrier(deps).onNumberEvent(async (event) => {
    try {
      await applyNumberEvent(deps, event);
    } catch (err) {
      onError(err, event);
    }
  });
}

export async function getPhoneNumber(deps: ServiceDeps, actor: Actor, id: string): Promise<PhoneNumberView> {
  requireScope(actor, 'numbers:read');
  if (!isUuid(id)) throw new ApiError('number_not_found', 'Phone number not found');
  // The `phoneNumber(id)` query dashboards poll: hand-written SQL outside a transaction (platform/db/sql.ts).
  const sql = sqlOf(deps.db);
  const found = sql
    ? (await sql.rows(`SELECT ${NUMBER_COLUMNS.list('n')} FROM phone_numbers n WHERE n.id = $1::uuid AND n.tenant_id = $2::uuid`, [id, actor.tenantId])).map(NUMBER_COLUMNS.map)[0]
    : await deps.db.phoneNumber.findFirst({ where: { id, tenantId: actor.tenantId }, select: VIEW_SELECT });
  if (!found) throw new ApiError('number_not_found', 'Phone number not found');
  return found;
}

