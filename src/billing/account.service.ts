import { Db } from '../platform/db/client';
import { ApiError } from '../platform/errors';
import { Actor, requireScope } from '../platform/auth/scopes';

export interface AccountView {
  tenant: { id: string; name: string; status: string };
  balance: { amountCents: bigint; currency: string; creditLimitCents: bigint; availableCents: bigint };
}

/** The caller's tenant and balance (GET /v1/account, the `account` query). */
export async function getAccount(db: Db, actor: Actor): Promise<AccountView> {
  requireScope(actor, 'billing:read');
  const tenant = await db.tenant.findUnique({
    where: { id: actor.tenantId },
    select: { id: true, name: true, status: true, balanceCents: true, creditLimitCents: true, currency: true },
  });
  if (!tenant) throw new ApiError('not_found', 'Account not found');
  return {
    tenant: { id: tenant.id, name: tenant.name, status: tenant.status },
    balance: {
      amountCents: tenant.balanceCents,
      currency: tenant.currency,
      creditLimitCents: tenant.creditLimitCents,
      // What the tenant can still spend; credit holds of in-flight calls will be subtracted here.
      availableCents: tenant.balanceCents + tenant.creditLimitCents,
    },
  };
}
