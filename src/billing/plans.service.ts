import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { addUtcMonths } from '../platform/clock';
import { Db } from '../platform/db/client';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { debit } from './ledger.service';

// Plans bundle a markup, included minutes and a monthly fee. The fee is debited from the prepaid balance when a
// period starts (at subscription, then at each renewal); cancelling takes effect at the end of the period.

/** The markup when a tenant has neither an override nor a plan: the Starter plan's. */
export const DEFAULT_MARKUP_BPS = 4000;

export interface PlanView {
  slug: string;
  name: string;
  monthlyFeeCents: bigint;
  includedMinutes: number;
  markupPercentBps: number;
  lineItems: { kind: string; unitAmountCents: number; unitLabel: string; isMetered: boolean }[];
}

export interface SubscriptionView {
  id: string;
  planSlug: string;
  status: 'active' | 'canceled';
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  createdAt: Date;
  canceledAt: Date | null;
}

export async function listPlans(deps: ServiceDeps, actor: Actor): Promise<PlanView[]> {
  requireScope(actor, 'billing:read');
  const plans = await deps.db.plan.findMany({ where: { isPublic: true }, orderBy: [{ monthlyFeeCents: 'asc' }, { slug: 'asc' }] });
  return plans.map(toPlanView);
}

export async function getSubscription(deps: ServiceDeps, actor: Actor): Promise<SubscriptionView | null> {
  requireScope(actor, 'billing:read');
  return deps.db.subscription.findFirst({ where: { tenantId: actor.tenantId, status: 'active' } });
}

export async function subscribeToPlan(deps: ServiceDeps, actor: Actor, planSlug: string): Promise<SubscriptionView> {
  requireScope(actor, 'billing:write');
  const plan = await deps.db.plan.findUnique({ where: { slug: planSlug } });
  if (!plan || !plan.isPublic) throw new ApiError('subscription_invalid', `There is no public plan "${planSlug}"`);
  return inTransaction(deps.db, async (tx) => {
    // Serialise plan changes of one tenant: two concurrent subscribes must not both start a paid period.
    await tx.$queryRaw`SELECT id FROM tenants WHERE id = ${actor.tenantId}::uuid FOR UPDATE`;
    const current = await tx.subscription.findFirst({ where: { tenantId: actor.tenantId, status: 'active' } });
    if (current?.planSlug === planSlug) {
      if (!current.cancelAtPeriodEnd) return current;
      // Subscribing again to the plan being cancelled keeps it: nothing to pay until the period ends.
      const resumed = await tx.subscription.update({ where: { id: current.id }, data: { cancelAtPeriodEnd: false } });
      await recordAudit(tx, actor, { action: 'subscription.resumed', resourceType: 'subscription', resourceId: current.id, before: { cancel_at_period_end: true }, after: { cancel_at_period_end: false } });
      return resumed;
    }
    const now = deps.clock.now();
    if (current) {
      // A switch starts the new plan now; the old one ends without a refund of its period (like the MRC rule).
      await tx.subscription.update({ where: { id: current.id }, data: { status: 'canceled', canceledAt: now } });
    }
    const created = await tx.subscription.create({
      data: { tenantId: actor.tenantId, planSlug, currentPeriodStart: now, currentPeriodEnd: addUtcMonths(now, 1) },
    });
    await chargePeriod(withDb(deps, tx), actor.tenantId, created.id, plan.name, plan.monthlyFeeCents, now, false);
    await recordAudit(tx, actor, {
      action: 'subscription.created',
      resourceType: 'subscription',
      resourceId: created.id,
      before: current ? { plan_slug: current.planSlug } : null,
      after: { plan_slug: planSlug, current_period_end: created.currentPeriodEnd },
    });
    return created;
  });
}

export async function cancelSubscription(deps: ServiceDeps, actor: Actor): Promise<SubscriptionView> {
  requireScope(actor, 'billing:write');
  return inTransaction(deps.db, async (tx) => {
    const current = await tx.subscription.findFirst({ where: { tenantId: actor.tenantId, status: 'active' } });
    if (!current) throw new ApiError('not_found', 'There is no active subscription');
    if (current.cancelAtPeriodEnd) return current;
    const updated = await tx.subscription.update({ where: { id: current.id }, data: { cancelAtPeriodEnd: true } });
    await recordAudit(tx, actor, { action: 'subscription.cancel_scheduled', resourceType: 'subscription', resourceId: current.id, before: { cancel_at_period_end: false }, after: { cancel_at_period_end: true } });
    return updated;
  });
}

/**
 * Ends periods that are over: a cancelled subscription stops, the others renew and are charged the plan fee
 * (owed, so charged even past the credit limit). Safe to run any number of times: the fee's dedupe key is
 * (subscription, period start).
 */
export async function renewSubscriptions(deps: ServiceDeps): Promise<{ renewed: number; ended: number }> {
  const now = deps.clock.now();
  const due = await deps.db.subscription.findMany({ where: { status: 'active', currentPeriodEnd: { lte: now } }, include: { plan: true } });
  let renewed = 0;
  let ended = 0;
  for (const sub of due) {
    await inTransaction(deps.db, async (tx) => {
      // Lock and re-check: a concurrent run may have renewed or ended it since it was listed.
      const [locked] = await tx.$queryRaw<{ current_period_end: Date; status: string }[]>`
        SELECT current_period_end, status::text FROM subscriptions WHERE id = ${sub.id}::uuid FOR UPDATE`;
      if (!locked || locked.status !== 'active' || locked.current_period_end.getTime() !== sub.currentPeriodEnd.getTime()) return;
      if (sub.cancelAtPeriodEnd) {
        await tx.subscription.update({ where: { id: sub.id }, data: { status: 'canceled', canceledAt: sub.currentPeriodEnd } });
        ended++;
        return;
      }
      // Periods are contiguous even when the job runs late, so a tenant is never charged twice for a month.
      let start = sub.currentPeriodEnd;
      let end = addUtcMonths(start, 1);
      while (end.getTime() <= now.getTime()) {
        start = end;
        end = addUtcMonths(start, 1);
      }
      await tx.subscription.update({ where: { id: sub.id }, data: { currentPeriodStart: start, currentPeriodEnd: end } });
      await chargePeriod(withDb(deps, tx), sub.tenantId, sub.id, sub.plan.name, sub.plan.monthlyFeeCents, start, true);
      renewed++;
    });
  }
  return { renewed, ended };
}

async function chargePeriod(deps: ServiceDeps, tenantId: string, subscriptionId: string, planName: string, feeCents: bigint, periodStart: Date, owed: boolean) {
  if (feeCents <= 0n) return;
  await debit(
    deps,
    {
      tenantId,
      kind: 'plan_fee',
      amountCents: feeCents,
      description: `${planName} plan, period from ${periodStart.toISOString().slice(0, 10)}`,
      reference: { type: 'subscription', id: subscriptionId },
      dedupeKey: `plan_fee:${subscriptionId}:${periodStart.toISOString()}`,
    },
    { force: owed },
  );
}

/** What rating uses: the tenant's override, else its plan's markup, else the default. */
export function markupOf(overrideBps: number | null, planBps: number | null): number {
  return overrideBps ?? planBps ?? DEFAULT_MARKUP_BPS;
}

/** The markup and included minutes a tenant is rated with now (see markupOf). */
export async function effectivePricing(db: Db, tenantId: string): Promise<{ markupBps: number; includedMinutes: number; periodStart: Date | null }> {
  // One statement (every placement and every answered call's end asks): the tenant, its live subscription, its plan.
  const [row] = await db.$queryRaw<{ markup_override_bps: number | null; markup_percent_bps: number | null; included_minutes: number | null; current_period_start: Date | null }[]>`
    SELECT t.markup_override_bps, p.markup_percent_bps, p.included_minutes, s.current_period_start
    FROM tenants t
    LEFT JOIN subscriptions s ON s.tenant_id = t.id AND s.status = 'active'
    LEFT JOIN plans p ON p.slug = s.plan_slug
    WHERE t.id = ${tenantId}::uuid`;
  if (!row) throw new Error(`no tenant ${tenantId}`);
  // periodStart: included minutes are counted per subscription period.
  return { markupBps: markupOf(row.markup_override_bps, row.markup_percent_bps), includedMinutes: row.included_minutes ?? 0, periodStart: row.current_period_start };
}

/** Support's per-tenant markup override (null clears it): it wins over the plan. */
export async function setMarkupOverride(deps: ServiceDeps, actor: Actor, bps: number | null): Promise<void> {
  requireScope(actor, 'admin');
  if (bps !== null && (!Number.isInteger(bps) || bps < 0 || bps > 100_000)) throw new ApiError('invalid_request', 'markup must be whole basis points between 0 and 100000');
  await inTransaction(deps.db, async (tx) => {
    const before = await tx.tenant.findUniqueOrThrow({ where: { id: actor.tenantId }, select: { markupOverrideBps: true } });
    await tx.tenant.update({ where: { id: actor.tenantId }, data: { markupOverrideBps: bps } });
    await recordAudit(tx, actor, { action: 'tenant.markup_overridden', resourceType: 'tenant', resourceId: actor.tenantId, before: { markup_override_bps: before.markupOverrideBps }, after: { markup_override_bps: bps } });
  });
}

function toPlanView(plan: { slug: string; name: string; monthlyFeeCents: bigint; includedMinutes: number; markupPercentBps: number; lineItems: unknown }): PlanView {
  const items = (plan.lineItems as { kind: string; unit_amount_cents: number; unit_label: string; is_metered: boolean }[]) ?? [];
  return {
    slug: plan.slug,
    name: plan.name,
    monthlyFeeCents: plan.monthlyFeeCents,
    includedMinutes: plan.includedMinutes,
    markupPercentBps: plan.markupPercentBps,
    lineItems: items.map((i) => ({ kind: i.kind, unitAmountCents: i.unit_amount_cents, unitLabel: i.unit_label, isMetered: i.is_metered })),
  };
}
