import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { Db } from '../platform/db/client';
import { columns } from '../platform/db/columns';
import { sqlOf } from '../platform/db/sql';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';
import { EmergencyAddressInput, validEmergencyAddress } from './emergency-address-rules';
import { getPhoneNumber, PhoneNumberView } from './numbers.service';

// Emergency addresses (POST/GET/DELETE /v1/emergency-addresses) and emergency endpoints: a DID attached to an
// address routes its 911 calls with it; a DID without one is not emergency-capable. A DID with an endpoint is
// the address's anchor for compliance, so it cannot be released until detached (see releasePhoneNumber).

export interface EmergencyAddressView {
  id: string;
  streetAddress: string;
  extendedAddress: string | null;
  locality: string;
  administrativeArea: string;
  postalCode: string;
  countryCode: string;
  createdAt: Date;
}

const SELECT = {
  id: true, streetAddress: true, extendedAddress: true, locality: true, administrativeArea: true, postalCode: true, countryCode: true, createdAt: true,
} as const;

/** Countries whose numbers can have an emergency endpoint. */
const EMERGENCY_COUNTRIES = new Set(['US', 'CA']);

const addressNotFound = () => new ApiError('not_found', 'Emergency address not found');

export async function createEmergencyAddress(deps: ServiceDeps, actor: Actor, input: EmergencyAddressInput): Promise<EmergencyAddressView> {
  requireScope(actor, 'numbers:write');
  const clean = validEmergencyAddress(input);
  return inTransaction(deps.db, async (tx) => {
    const created = await tx.emergencyAddress.create({ data: { tenantId: actor.tenantId, ...clean, createdAt: deps.clock.now() }, select: SELECT });
    await recordAudit(tx, actor, { action: 'emergency_address.created', resourceType: 'emergency_address', resourceId: created.id, after: { ...clean } });
    return created;
  });
}

export async function getEmergencyAddress(deps: ServiceDeps, actor: Actor, id: string): Promise<EmergencyAddressView> {
  requireScope(actor, 'numbers:read');
  const found = isUuid(id) ? await deps.db.emergencyAddress.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT }) : null;
  if (!found) throw addressNotFound();
  return found;
}

export async function listEmergencyAddresses(deps: ServiceDeps, actor: Actor, page: PageArgs): Promise<Page<EmergencyAddressView>> {
  requireScope(actor, 'numbers:read');
  return paginate(page, (take, cursor) =>
    deps.db.emergencyAddress.findMany({ where: { tenantId: actor.tenantId, ...cursor }, orderBy: NEWEST_FIRST, take, select: SELECT }),
  );
}

/** Addresses by id, scoped to one tenant (the loader's batch). */
export async function emergencyAddressesByIds(db: Db, tenantId: string, ids: readonly string[]): Promise<EmergencyAddressView[]> {
  const sql = sqlOf(db);
  if (!sql) return db.emergencyAddress.findMany({ where: { tenantId, id: { in: [...ids] } }, select: SELECT });
  const rows = await sql.rows(`SELECT ${EMERGENCY_ADDRESS_COLUMNS.list('a')} FROM emergency_addresses a WHERE a.tenant_id = $1::uuid AND a.id = ANY($2::uuid[])`, [tenantId, ids]);
  return rows.map(EMERGENCY_ADDRESS_COLUMNS.map);
}

/** SELECT as hand-written SQL, for the loader a page of numbers goes through. */
export const EMERGENCY_ADDRESS_COLUMNS = columns<EmergencyAddressView>({
  id: 'id', streetAddress: 'street_address', extendedAddress: 'extended_address', locality: 'locality', administrativeArea: 'administrative_area',
  postalCode: 'postal_code', countryCode: 'country_code', createdAt: 'created_at',
});

/** Deletes an address no DID uses any more (409 conflict while one does: detach or re-point those first). */
export async function deleteEmergencyAddress(deps: ServiceDeps, actor: Actor, id: string): Promise<EmergencyAddressView> {
  requireScope(actor, 'numbers:write');
  if (!isUuid(id)) throw addressNotFound();
  return inTransaction(deps.db, async (tx) => {
    // The row lock makes a concurrent attach wait, then find the address gone.
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM emergency_addresses WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
    if (!locked) throw addressNotFound();
    const found = await tx.emergencyAddress.findUniqueOrThrow({ where: { id }, select: SELECT });
    const users = await tx.phoneNumber.findMany({ where: { emergencyAddressId: id }, select: { e164: true }, orderBy: { e164: 'asc' }, take: 5 });
    if (users.length) throw new ApiError('conflict', `The address is the emergency endpoint of ${users.map((u) => u.e164).join(', ')}; detach it from them first`);
    await tx.emergencyAddress.delete({ where: { id } });
    const { id: _id, createdAt: _c, ...before } = found;
    await recordAudit(tx, actor, { action: 'emergency_address.deleted', resourceType: 'emergency_address', resourceId: id, before });
    return found;
  });
}

/** Locks one of the tenant's numbers for an endpoint change; only active US/CA numbers have endpoints. */
async function lockNumberForEndpoint(tx: Db, actor: Actor, phoneNumberId: string): Promise<{ country_code: string; emergency_address_id: string | null }> {
  if (!isUuid(phoneNumberId)) throw new ApiError('number_not_found', 'Phone number not found');
  const [row] = await tx.$queryRaw<{ status: string; country_code: string; emergency_address_id: string | null }[]>`
    SELECT status::text, country_code, emergency_address_id FROM phone_numbers
    WHERE id = ${phoneNumberId}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
  if (!row) throw new ApiError('number_not_found', 'Phone number not found');
  if (row.status === 'pending') throw new ApiError('number_not_yet_active', 'The number is still being activated; retry once it is active');
  if (row.status !== 'active') throw new ApiError('conflict', `A ${row.status} number has no emergency endpoint`);
  return row;
}

/** Makes the address the DID's emergency endpoint (replacing another). Attaching the same address again changes nothing. */
export async function attachEmergencyAddress(deps: ServiceDeps, actor: Actor, phoneNumberId: string, emergencyAddressId: string): Promise<PhoneNumberView> {
  requireScope(actor, 'numbers:write');
  return inTransaction(deps.db, async (tx) => {
    const row = await lockNumberForEndpoint(tx, actor, phoneNumberId);
    if (!EMERGENCY_COUNTRIES.has(row.country_code)) throw new ApiError('unprocessable', `Emergency endpoints serve US and CA numbers; this one is ${row.country_code}`);
    // Shared lock: the address cannot be deleted while this attaches it.
    const [address] = isUuid(emergencyAddressId)
      ? await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM emergency_addresses WHERE id = ${emergencyAddressId}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR SHARE`
      : [];
    if (!address) throw addressNotFound();
    if (row.emergency_address_id !== emergencyAddressId) {
      await tx.phoneNumber.update({ where: { id: phoneNumberId }, data: { emergencyAddressId } });
      await recordAudit(tx, actor, {
        action: 'phone_number.emergency_address_attached',
        resourceType: 'phone_number',
        resourceId: phoneNumberId,
        before: { emergency_address_id: row.emergency_address_id },
        after: { emergency_address_id: emergencyAddressId },
      });
    }
    return getPhoneNumber({ ...deps, db: tx }, actor, phoneNumberId);
  });
}

/** Removes the DID's emergency endpoint: it is no longer emergency-capable (and may be released). Idempotent. */
export async function detachEmergencyAddress(deps: ServiceDeps, actor: Actor, phoneNumberId: string): Promise<PhoneNumberView> {
  requireScope(actor, 'numbers:write');
  return inTransaction(deps.db, async (tx) => {
    const row = await lockNumberForEndpoint(tx, actor, phoneNumberId);
    if (row.emergency_address_id) {
      await tx.phoneNumber.update({ where: { id: phoneNumberId }, data: { emergencyAddressId: null } });
      await recordAudit(tx, actor, {
        action: 'phone_number.emergency_address_detached',
        resourceType: 'phone_number',
        resourceId: phoneNumberId,
        before: { emergency_address_id: row.emergency_address_id },
        after: { emergency_address_id: null },
      });
    }
    return getPhoneNumber({ ...deps, db: tx }, actor, phoneNumberId);
  });
}
