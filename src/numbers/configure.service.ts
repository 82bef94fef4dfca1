import { NUMBER_EVENT_SELECT, numberStatusNotice, recordNumberEvent } from './numbers.events';
import { recordAudit } from '../audit/audit.service';
import { InboundCallScreening } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { ServiceDeps } from '../platform/service-deps';
import { getPhoneNumber, PhoneNumberView } from './numbers.service';
import { Db } from '../platform/db/client';
import { OPEN_STATUSES } from '../porting/porting-orders.service';

/** PATCH /v1/numbers/{id}: only the fields present change (`undefined` = not sent; `null` clears where allowed). */
export interface PhoneNumberPatch {
  customerReference?: string | null;
  cnamLookupEnabled?: boolean | null;
  cnamDisplayName?: string | null;
  techPrefixEnabled?: boolean | null;
  inboundCallScreening?: InboundCallScreening | null;
  messagingEnabled?: boolean | null;
  connectionId?: string | null;
}

export async function updatePhoneNumber(deps: ServiceDeps, actor: Actor, id: string, patch: PhoneNumberPatch): Promise<PhoneNumberView> {
  requireScope(actor, 'numbers:write');
  if (!isUuid(id)) throw new ApiError('number_not_found', 'Phone number not found');
  const data: Record<string, unknown> = {};
  if (patch.customerReference !== undefined) {
    if (patch.customerReference !== null && patch.customerReference.length > 120) throw invalidRequest('customer_reference is at most 120 characters', 'customer_reference');
    data.customerReference = patch.customerReference;
  }
  if (patch.cnamDisplayName !== undefined) {
    if (patch.cnamDisplayName !== null && patch.cnamDisplayName.length > 15) throw invalidRequest('cnam_display_name is at most 15 characters', 'cnam_display_name');
    data.cnamDisplayName = patch.cnamDisplayName;
  }
  for (const flag of ['cnamLookupEnabled', 'techPrefixEnabled', 'messagingEnabled', 'inboundCallScreening'] as const) {
    if (patch[flag] === undefined) continue;
    if (patch[flag] === null) throw invalidRequest(`${flag.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} cannot be null`, flag);
    data[flag] = patch[flag];
  }
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`
      SELECT status::text FROM phone_numbers WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
    if (!row) throw new ApiError('number_not_found', 'Phone number not found');
    if (row.status === 'pending') throw new ApiError('number_not_yet_active', 'The number is still being activated; retry once it is active');
    if (row.status !== 'active') throw new ApiError('conflict', `A ${row.status} number cannot be configured`);
    if (patch.messagingEnabled === true) {
      // Messaging profiles are provisioned by support; no tenant has one yet.
      throw new ApiError('messaging_profile_not_provisioned', 'The tenant has no messaging profile; contact support');
    }
    if (patch.connectionId !== undefined) {
      if (patch.connectionId !== null) {
        const own = isUuid(patch.connectionId) && (await tx.connection.count({ where: { id: patch.connectionId, tenantId: actor.tenantId } })) > 0;
        if (!own) throw invalidRequest('connection_id is not one of your connections', 'connection_id');
      }
      data.connectionId = patch.connectionId;
    }
    const before = await getPhoneNumber({ ...deps, db: tx }, actor, id);
    if (Object.keys(data).length) {
      await tx.phoneNumber.update({ where: { id }, data });
      const changed = Object.keys(data);
      await recordAudit(tx, actor, {
        action: 'phone_number.updated',
        resourceType: 'phone_number',
        resourceId: id,
        before: Object.fromEntries(changed.map((k) => [k, (before as unknown as Record<string, unknown>)[k]])),
        after: data,
      });
    }
    return getPhoneNumber({ ...deps, db: tx }, actor, id);
  });
}

/**
 * DELETE /v1/numbers/{id}: the row stays, `released` with `released_at`; the monthly fee stops at the end of the
 * cycle already paid (no refund). The carrier gets the number back after commit, so a rollback never loses it.
 */
export async function releasePhoneNumber(deps: ServiceDeps, actor: Actor, id: string): Promise<PhoneNumberView> {
  requireScope(actor, 'numbers:write');
  if (!isUuid(id)) throw new ApiError('number_not_found', 'Phone number not found');
  return inTransaction(deps.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string; e164: string; tenant_id: string; emergency_address_id: string | null; porting_order_id: string | null }[]>`
      SELECT status::text, e164, tenant_id, emergency_address_id, porting_order_id FROM phone_numbers
      WHERE id = ${id}::uuid AND tenant_id = ${actor.tenantId}::uuid FOR UPDATE`;
    if (!row) throw new ApiError('number_not_found', 'Phone number not found');
    // Releasing twice answers the released number: a retried DELETE is not an error.
    if (row.status === 'released') return getPhoneNumber({ ...deps, db: tx }, actor, id);
    if (row.status === 'pending') throw new ApiError('number_not_yet_active', 'The number is still being activated; release it once it is active');
    if (row.status === 'failed') throw new ApiError('conflict', 'A number whose activation failed was never yours to release');
    // The DID anchors an emergency address: releasing it would silently drop the tenant's 911 registration.
    if (row.emergency_address_id) {
      throw new ApiError('release_not_permitted', 'The number is the anchor of an emergency address; detach it (DELETE /v1/numbers/{id}/emergency-endpoint) before releasing');
    }
    if (row.porting_order_id && (await isLastDidOfOpenPort(tx, row.porting_order_id, id))) {
      throw new ApiError('release_not_permitted', 'The number is the last DID of a porting order still in progress; release it once the port completes or is cancelled');
    }
    const now = deps.clock.now();
    await tx.phoneNumber.update({ where: { id }, data: { status: 'released', releasedAt: now } });
    const recorded = await recordNumberEvent(tx, 'phone_number.released', await tx.phoneNumber.findUniqueOrThrow({ where: { id }, select: NUMBER_EVENT_SELECT }), now);
    await recordAudit(tx, actor, { action: 'phone_number.released', resourceType: 'phone_number', resourceId: id, before: { status: 'active' }, after: { status: 'released', released_at: now } });
    const carrier = deps.carrier;
    afterCommit(tx, async () => {
      deps.pubSub.publish('NUMBER_STATUS_CHANGED', row.tenant_id, numberStatusNotice(recorded, 'released'));
      await carrier?.releaseNumber(row.e164);
    });
    return getPhoneNumber({ ...deps, db: tx }, actor, id);
  });
}

/**
 * A port still moving numbers in (partially ported) needs one live DID on the account it is moving: the losing
 * carrier closes an account whose last number leaves, and the rest of the port with it. The order's row is locked
 * (shared), so the job cannot finish the port while this decides.
 */
async function isLastDidOfOpenPort(tx: Db, portingOrderId: string, id: string): Promise<boolean> {
  const [order] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM porting_orders WHERE id = ${portingOrderId}::uuid FOR SHARE`;
  if (!order || !(OPEN_STATUSES as readonly string[]).includes(order.status)) return false;
  const others = await tx.phoneNumber.count({ where: { portingOrderId, status: 'active', id: { not: id } } });
  return others === 0;
}
