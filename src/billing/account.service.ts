import { ApiError } from '../platform/errors';
import { Actor, requireScope } from '../platform/auth/scopes';
import { ServiceDeps } from '../platform/service-deps';

export interface AccountView {
  tenant: { id: string; name: string; status: string };
  balance: { amountCents: bigint; currency: string; creditLimitCents: bigint; heldCents: bigint; availableCents: bigint };
}

/** The caller's tenant and balance (GET /v1/account, the `account` query). */
export async function getAccount(deps: ServiceDeps, actor: Actor): Promise<AccountView> {
  requireScope(actor, 'billing:read');
  // A read-only request answers from the row its key check read (the same statement); anything else reads it.
  const tenant =
    deps.requestTenant?.id === actor.tenantId
      ? deps.requestTenant
      : await deps.db.tenant.findUnique({
          where: { id: actor.tenantId },
          select: { id: true, name: true, status: true, balanceCents: true, creditLimitCents: true, heldCents: true, currency: true },
        });
  if (!tenant) throw new ApiError('not_found', 'Account not found');
  return {
    tenant: { id: tenant.id, name: tenant.name, status: tenant.status },
    balance: {
      amountCents: tenant.balanceCents,
      currency: tenant.currency,
      creditLimitCents: tenant.creditLimitCents,
      heldCents: tenant.heldCents,
      // What can still be spent: in-flight work (calls) holds credit until it is rated.
      availableCents: tenant.balanceCents + tenant.creditLimitCents - tenant.heldCents,
    },
  };
}
