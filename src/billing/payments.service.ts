import { PaymentStatus } from '../generated/prisma/client';
import { Actor, requireScope } from '../platform/auth/scopes';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';

export interface PaymentView {
  id: string;
  amountCents: bigint;
  amountRefundedCents: bigint;
  currency: string;
  status: PaymentStatus;
  stripePaymentIntentId: string | null;
  createdAt: Date;
}

/** Payment history, newest first (GET /v1/billing/payments, the `payments` connection). */
export async function listPayments(deps: ServiceDeps, actor: Actor, filter: { status?: PaymentStatus | null }, page: PageArgs): Promise<Page<PaymentView>> {
  requireScope(actor, 'billing:read');
  return paginate(page, (take, cursor) =>
    deps.db.payment.findMany({
      where: { tenantId: actor.tenantId, ...(filter.status ? { status: filter.status } : {}), ...cursor },
      orderBy: NEWEST_FIRST,
      take,
      select: { id: true, amountCents: true, amountRefundedCents: true, currency: true, status: true, stripePaymentIntentId: true, createdAt: true },
    }),
  );
}
