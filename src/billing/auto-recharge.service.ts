import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope, systemActor } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { requirePayments, ServiceDeps } from '../platform/service-deps';
import { chargeCard, ensureCustomer } from './funding.service';

// Auto-recharge: when a debit takes the balance to or below the threshold, charge the saved card once. The
// claim is one conditional UPDATE (in_flight_payment_id IS NULL), so twenty debits crossing the threshold at
// once start exactly one charge. A declined charge disables it, records why, and makes balance refusals say
// auto_recharge_failed until the tenant re-enables it with a working card.

export interface AutoRechargeView {
  enabled: boolean;
  thresholdCents: bigint;
  amountCents: bigint;
  paymentMethodId: string;
  failedAt: Date | null;
  failureReason: string | null;
}

const VIEW = { enabled: true, thresholdCents: true, amountCents: true, paymentMethodId: true, failedAt: true, failureReason: true } as const;

export async function getAutoRecharge(deps: ServiceDeps, actor: Actor): Promise<AutoRechargeView | null> {
  requireScope(actor, 'billing:read');
  return deps.db.autoRechargeSetting.findUnique({ where: { tenantId: actor.tenantId }, select: VIEW });
}

export async function configureAutoRecharge(
  deps: ServiceDeps,
  actor: Actor,
  input: { thresholdCents: bigint; amountCents: bigint; paymentMethodId: string },
): Promise<AutoRechargeView> {
  requireScope(actor, 'billing:write');
  const payments = requirePayments(deps);
  if (input.thresholdCents < 0n) throw invalidRequest('threshold_cents must be ≥ 0', 'threshold_cents');
  if (input.amountCents < payments.topUpMinimumCents) throw new ApiError('topup_amount_too_low', `amount_cents must be at least ${payments.topUpMinimumCents}`);
  if (input.amountCents > payments.topUpMaximumCents) throw invalidRequest(`amount_cents must be at most ${payments.topUpMaximumCents}`, 'amount_cents');
  const customer = await ensureCustomer(deps, actor.tenantId);
  const pm = await payments.stripe.paymentMethods.retrieve(input.paymentMethodId).catch(() => null);
  if (!pm || (typeof pm.customer === 'string' ? pm.customer : pm.customer?.id) !== customer) {
    throw new ApiError('not_found', `Payment method ${input.paymentMethodId} not found`);
  }
  return inTransaction(deps.db, async (tx) => {
    const before = await tx.autoRechargeSetting.findUnique({ where: { tenantId: actor.tenantId }, select: VIEW });
    // (Re-)enabling clears a previous failure: the tenant has attached a card it says works.
    const data = { enabled: true, thresholdCents: input.thresholdCents, amountCents: input.amountCents, paymentMethodId: input.paymentMethodId, failedAt: null, failureReason: null, inFlightPaymentId: null, updatedAt: new Date() };
    const after = await tx.autoRechargeSetting.upsert({ where: { tenantId: actor.tenantId }, create: { tenantId: actor.tenantId, ...data }, update: data, select: VIEW });
    await recordAudit(tx, actor, { action: 'auto_recharge.configured', resourceType: 'auto_recharge', resourceId: actor.tenantId, before: before ? { ...before } : null, after: { ...after } });
    return after;
  });
}

export async function disableAutoRecharge(deps: ServiceDeps, actor: Actor): Promise<AutoRechargeView | null> {
  requireScope(actor, 'billing:write');
  return inTransaction(deps.db, async (tx) => {
    const before = await tx.autoRechargeSetting.findUnique({ where: { tenantId: actor.tenantId }, select: VIEW });
    if (!before || !before.enabled) return before;
    const after = await tx.autoRechargeSetting.update({ where: { tenantId: actor.tenantId }, data: { enabled: false, updatedAt: new Date() }, select: VIEW });
    await recordAudit(tx, actor, { action: 'auto_recharge.disabled', resourceType: 'auto_recharge', resourceId: actor.tenantId, before: { enabled: true }, after: { enabled: false } });
    return after;
  });
}

/** Called after a debit commits. Charges at most once per crossing; the webhook credits and clears the claim. */
export async function maybeAutoRecharge(deps: ServiceDeps, tenantId: string, balanceAfterCents: bigint): Promise<'charged' | 'skipped' | 'failed'> {
  if (!deps.payments) return 'skipped';
  const claimId = randomUUID();
  const claimed = await deps.db.$queryRaw<{ amount_cents: bigint; payment_method_id: string }[]>`
    UPDATE auto_recharge_settings SET in_flight_payment_id = ${claimId}::uuid, updated_at = now()
    WHERE tenant_id = ${tenantId}::uuid AND enabled AND failed_at IS NULL AND in_flight_payment_id IS NULL
      AND threshold_cents >= ${balanceAfterCents}
    RETURNING amount_cents, payment_method_id`;
  if (claimed.length === 0) return 'skipped';
  const actor = systemActor(tenantId, `auto-recharge:${claimId}`, 'system');
  try {
    const customer = await ensureCustomer(deps, tenantId);
    const result = await chargeCard(deps, actor, {
      amountCents: claimed[0].amount_cents,
      customer,
      paymentMethod: claimed[0].payment_method_id,
      purpose: 'auto_recharge',
      offSession: true,
      stripeKey: `voepy:auto_recharge:${claimId}`,
      // The claim id is the payment's id, so the payment's success event is what releases the claim.
      paymentId: claimId,
    });
    if (result.status === 'requires_action') throw new ApiError('card_declined', 'the card needs the customer present (authentication required)');
    return 'charged';
  } catch (err) {
    await markAutoRechargeFailed(deps, tenantId, err instanceof Error ? err.message : String(err), null);
    return 'failed';
  }
}

export async function markAutoRechargeFailed(deps: ServiceDeps, tenantId: string, reason: string, paymentId: string | null): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    // The decline reaches us twice (the charge's answer, then Stripe's payment_failed event): record it once.
    const { count } = await tx.autoRechargeSetting.updateMany({
      where: { tenantId, failedAt: null },
      data: { enabled: false, failedAt: new Date(), failureReason: reason.slice(0, 500), inFlightPaymentId: null, updatedAt: new Date() },
    });
    if (count === 0) return;
    // billing.auto_recharge_failed: the audit row is the event of record until webhook delivery exists.
    await recordAudit(tx, systemActor(tenantId, `auto-recharge`, 'system'), {
      action: 'billing.auto_recharge_failed',
      resourceType: 'auto_recharge',
      resourceId: tenantId,
      after: { reason: reason.slice(0, 500), payment_id: paymentId },
    });
  });
}
