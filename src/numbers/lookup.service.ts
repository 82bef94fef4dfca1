import { recordAudit } from '../audit/audit.service';
import { debit } from '../billing/ledger.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { invalidRequest } from '../platform/errors';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { NumberLookupResult, NumberLookupType } from './carrier-port';
import { requireCarrier } from './numbers.shared';

// GET /v1/numbers/lookup: any number, answered by the carrier, billed per lookup (a `lookup` ledger entry).
// The spec gives no price; these are the gateway's customer prices in cents. A lookup that fails upstream is not billed.
export const LOOKUP_PRICE_CENTS: Record<NumberLookupType, bigint> = { carrier: 1n, 'caller-name': 2n };

export async function lookupNumber(deps: ServiceDeps, actor: Actor, phoneNumber: string, type: string): Promise<NumberLookupResult & { type: NumberLookupType; costCents: bigint }> {
  requireScope(actor, 'numbers:read');
  if (type !== 'carrier' && type !== 'caller-name') throw invalidRequest('type must be carrier or caller-name', 'type');
  if (typeof phoneNumber !== 'string' || !/^\+[1-9]\d{6,14}$/.test(phoneNumber)) throw invalidRequest('phone_number must be an E.164 number', 'phone_number');
  // Debited after the answer: a failed lookup costs nothing; a tenant that cannot pay gets 402 and no answer.
  const price = LOOKUP_PRICE_CENTS[type];
  const result = await requireCarrier(deps).lookup(phoneNumber, type);
  await inTransaction(deps.db, async (tx) => {
    await debit(withDb(deps, tx), { tenantId: actor.tenantId, kind: 'lookup', amountCents: price, description: `${type} lookup of ${phoneNumber}`, reference: { type: 'number_lookup', id: phoneNumber } });
    // The debit is a state change of the account: who looked up what, and for how much.
    await recordAudit(tx, actor, { action: 'number_lookup.billed', resourceType: 'number_lookup', resourceId: phoneNumber, after: { type, cost_cents: price } });
  });
  return { ...result, type, costCents: price };
}
