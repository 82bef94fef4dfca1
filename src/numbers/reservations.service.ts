import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps } from '../platform/service-deps';
import { requireCarrier, validPhoneNumbers } from './numbers.shared';

// A reservation holds inventory numbers for a while: nobody else, in any tenant, can reserve or buy them until
// it expires. Each held number is one row of reserved_numbers (primary key e164), so two reservations racing
// for a number cannot both win; an expired hold is taken over in the same statement, so expiry needs no job.

export const RESERVATION_TTL_MS = 15 * 60 * 1000;

export interface ReservationView {
  id: string;
  phoneNumbers: string[];
  status: 'active' | 'expired' | 'released';
  expiresAt: Date;
  createdAt: Date;
  releasedAt: Date | null;
}

export async function reserveNumbers(deps: ServiceDeps, actor: Actor, phoneNumbers: string[]): Promise<ReservationView> {
  requireScope(actor, 'numbers:write');
  const numbers = validPhoneNumbers(phoneNumbers);
  const stocked = new Set((await requireCarrier(deps).inventoryNumbers(numbers)).map((n) => n.phoneNumber));
  const missing = numbers.filter((n) => !stocked.has(n));
  if (missing.length) throw new ApiError('order_invalid', `Not available: ${missing.join(', ')}`);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + RESERVATION_TTL_MS);
  return inTransaction(deps.db, async (tx) => {
    const live = await tx.phoneNumber.findMany({ where: { e164: { in: numbers }, status: { in: ['pending', 'active'] } }, select: { e164: true } });
    if (live.length) throw new ApiError('order_invalid', `Already sold: ${live.map((n) => n.e164).join(', ')}`);
    const reservation = await tx.numberReservation.create({ data: { tenantId: actor.tenantId, phoneNumbers: numbers, expiresAt } });
    // Take each number unless someone else holds it unexpired; the caller's own older hold moves to this one.
    const held = await tx.$queryRaw<{ e164: string }[]>`
      INSERT INTO reserved_numbers (e164, reservation_id, tenant_id, expires_at)
      SELECT e, ${reservation.id}::uuid, ${actor.tenantId}::uuid, ${expiresAt} FROM unnest(${numbers}::text[]) AS e
      ON CONFLICT (e164) DO UPDATE SET reservation_id = EXCLUDED.reservation_id, tenant_id = EXCLUDED.tenant_id, expires_at = EXCLUDED.expires_at
        WHERE reserved_numbers.expires_at <= ${now} OR reserved_numbers.tenant_id = EXCLUDED.tenant_id
      RETURNING e164`;
    if (held.length !== numbers.length) {
      const got = new Set(held.map((h) => h.e164));
      throw new ApiError('order_invalid', `Reserved by someone else: ${numbers.filter((n) => !got.has(n)).join(', ')}`);
    }
    await recordAudit(tx, actor, { action: 'number_reservation.created', resourceType: 'number_reservation', resourceId: reservation.id, after: { phone_numbers: numbers, expires_at: expiresAt } });
    return view(reservation, now);
  });
}

export async function getReservation(deps: ServiceDeps, actor: Actor, id: string): Promise<ReservationView> {
  requireScope(actor, 'numbers:read');
  const found = isUuid(id) ? await deps.db.numberReservation.findFirst({ where: { id, tenantId: actor.tenantId } }) : null;
  if (!found) throw new ApiError('not_found', 'Reservation not found');
  return view(found, deps.clock.now());
}

/** Lets the numbers go before expiry. Releasing twice is not an error. */
export async function releaseReservation(deps: ServiceDeps, actor: Actor, id: string): Promise<ReservationView> {
  requireScope(actor, 'numbers:write');
  if (!isUuid(id)) throw new ApiError('not_found', 'Reservation not found');
  return inTransaction(deps.db, async (tx) => {
    const found = await tx.numberReservation.findFirst({ where: { id, tenantId: actor.tenantId } });
    if (!found) throw new ApiError('not_found', 'Reservation not found');
    await tx.reservedNumber.deleteMany({ where: { reservationId: id } });
    const now = deps.clock.now();
    if (found.releasedAt) return view(found, now);
    const released = await tx.numberReservation.update({ where: { id }, data: { releasedAt: now } });
    await recordAudit(tx, actor, { action: 'number_reservation.released', resourceType: 'number_reservation', resourceId: id, before: { released_at: null }, after: { released_at: now } });
    return view(released, now);
  });
}

function view(r: { id: string; phoneNumbers: string[]; expiresAt: Date; createdAt: Date; releasedAt: Date | null }, now: Date): ReservationView {
  const status = r.releasedAt ? 'released' : r.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
  return { id: r.id, phoneNumbers: r.phoneNumbers, status, expiresAt: r.expiresAt, createdAt: r.createdAt, releasedAt: r.releasedAt };
}
