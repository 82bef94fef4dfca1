import { debit } from '../billing/ledger.service';
import { RecordedEvent } from '../events/events.service';
import { Prisma } from '../generated/prisma/client';
import { NumberType, PortingOrderStatus } from '../generated/prisma/enums';
import { afterCommit, inTransaction } from '../platform/db/transaction';
import { ServiceDeps, withDb } from '../platform/service-deps';
import { NUMBER_EVENT_SELECT, numberStatusNotice, recordNumberEvent } from '../numbers/numbers.events';
import { priceOf, proratedMonthlyCents, utcMonthKey } from '../numbers/pricing.service';
import { addBusinessDays } from './business-days';
import { recordPortingChange } from './porting.events';

// Porting orders move by themselves, on the gateway's clock, one state per due time:
//   submitted ─1 business day→ in_process ─1→ foc_date_confirmed ─FOC→ (partially_ported →) ported
// The FOC (firm order commitment) of a fast-portable number is 1 business day after confirmation, of any other 3;
// each number moves on its own FOC, so an order with both kinds passes through partially_ported. A ported number
// becomes an active number of the tenant, priced by its (country, type) tier: no activation fee (nothing is
// provisioned from our stock), the first month's fee pro rata from the port as for an ordered number.
// Each step is one transaction under the order's row lock (SKIP LOCKED: instances never step the same order), and
// is timed at the step's due time, not at when the job noticed, so a late run tells the same story.

const FAST_FOC_DAYS = 1;
const STANDARD_FOC_DAYS = 3;
/** Steps per run at most, so one run cannot hold the job forever after a long outage. */
const MAX_STEPS_PER_RUN = 1000;

export async function advancePortingOrders(deps: ServiceDeps, onError: (err: unknown, portingOrderId: string) => void = () => {}): Promise<{ steps: number }> {
  let steps = 0;
  // Held by another instance, no longer due, or failing: not looked at again in this run.
  const skipped = new Set<string>();
  while (steps < MAX_STEPS_PER_RUN) {
    const due = await deps.db.portingOrder.findMany({
      where: { nextTransitionAt: { lte: deps.clock.now() }, id: { notIn: [...skipped] } },
      orderBy: { nextTransitionAt: 'asc' },
      take: 50,
      select: { id: true },
    });
    if (!due.length) break;
    for (const { id } of due) {
      try {
        if (await stepPortingOrder(deps, id)) steps++;
        else skipped.add(id);
      } catch (err) {
        skipped.add(id);
        onError(err, id);
      }
    }
  }
  return { steps };
}

interface LockedOrder {
  id: string;
  tenant_id: string;
  status: PortingOrderStatus;
  next_transition_at: Date;
  created_at: Date;
}

/** One step of one order, if it is due and no one else holds it. */
async function stepPortingOrder(deps: ServiceDeps, id: string): Promise<boolean> {
  return inTransaction(deps.db, async (tx) => {
    const [order] = await tx.$queryRaw<LockedOrder[]>`
      SELECT id, tenant_id, status::text AS status, next_transition_at, created_at FROM porting_orders
      WHERE id = ${id}::uuid AND next_transition_at <= ${deps.clock.now()} FOR UPDATE SKIP LOCKED`;
    if (!order) return false;
    const at = order.next_transition_at;
    switch (order.status) {
      case 'submitted':
        await setStatus(tx, id, 'in_process', at, addBusinessDays(at, 1));
        break;
      case 'in_process': {
        const numbers = await tx.portingOrderNumber.findMany({ where: { portingOrderId: id, status: 'pending' } });
        for (const n of numbers) {
          await tx.portingOrderNumber.update({
            where: { portingOrderId_e164: { portingOrderId: id, e164: n.e164 } },
            data: { focAt: addBusinessDays(at, n.fastPortable ? FAST_FOC_DAYS : STANDARD_FOC_DAYS) },
          });
        }
        const focs = numbers.map((n) => addBusinessDays(at, n.fastPortable ? FAST_FOC_DAYS : STANDARD_FOC_DAYS).getTime());
        await tx.portingOrder.update({ where: { id }, data: { focDate: new Date(Math.max(...focs)) } });
        await setStatus(tx, id, 'foc_date_confirmed', at, new Date(Math.min(...focs)));
        break;
      }
      case 'foc_date_confirmed':
      case 'partially_ported':
        await portDueNumbers(deps, tx, order, at);
        break;
      default:
        // A final order should have no due time; clear it rather than look at it again.
        await tx.portingOrder.update({ where: { id }, data: { nextTransitionAt: null } });
        return true;
    }
    await recordPortingChange(tx, deps.pubSub, id, at);
    return true;
  });
}

async function setStatus(tx: Prisma.TransactionClient, id: string, status: PortingOrderStatus, at: Date, next: Date | null, extra: Prisma.PortingOrderUpdateInput = {}) {
  await tx.portingOrder.update({ where: { id }, data: { status, statusChangedAt: at, nextTransitionAt: next, ...extra } });
}

const CAPABILITIES: Record<NumberType, string[]> = { local: ['voice', 'sms'], mobile: ['voice', 'sms'], national: ['voice'], toll_free: ['voice'] };

/** The numbers whose FOC has come move in: each becomes an active number of the tenant, billed its first month. */
async function portDueNumbers(deps: ServiceDeps, tx: Prisma.TransactionClient, order: LockedOrder, at: Date): Promise<void> {
  const due = await tx.portingOrderNumber.findMany({ where: { portingOrderId: order.id, status: 'pending', focAt: { lte: at } }, orderBy: { e164: 'asc' } });
  const activated: RecordedEvent[] = [];
  for (const n of due) {
    const price = await priceOf(tx, n.countryCode, n.numberType);
    const [inserted] = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO phone_numbers (tenant_id, e164, country_code, number_type, capabilities, status, activation_price_cents_customer,
                                 monthly_price_cents_customer, order_id, porting_order_id, ordered_at, activated_at, created_at)
      VALUES (${order.tenant_id}::uuid, ${n.e164}, ${n.countryCode}, ${n.numberType}::number_type, ${CAPABILITIES[n.numberType]}::text[], 'active', 0,
              ${price.monthlyCents}, ${order.id}::uuid, ${order.id}::uuid, ${order.created_at}, ${n.focAt}, ${n.focAt})
      ON CONFLICT (e164) WHERE status IN ('pending', 'active') DO NOTHING
      RETURNING id`;
    const key = { portingOrderId_e164: { portingOrderId: order.id, e164: n.e164 } };
    if (!inserted) {
      // Only possible if the number reached voepy another way after the order was checked.
      await tx.portingOrderNumber.update({ where: key, data: { status: 'failed', failureReason: 'the number is already active on voepy' } });
      continue;
    }
    await tx.portingOrderNumber.update({ where: key, data: { status: 'ported', phoneNumberId: inserted.id } });
    const mrc = proratedMonthlyCents(price.monthlyCents, n.focAt!);
    if (mrc > 0n) {
      await debit(
        withDb(deps, tx),
        {
          tenantId: order.tenant_id,
          kind: 'number_monthly',
          amountCents: mrc,
          description: `Monthly fee of ${n.e164}, ${utcMonthKey(n.focAt!)} (pro rata from the port)`,
          reference: { type: 'phone_number', id: inserted.id },
          dedupeKey: `number_monthly:${inserted.id}:${utcMonthKey(n.focAt!)}`,
        },
        // Owed once the number is live: charged even past the credit limit, as for ordered numbers.
        { force: true },
      );
    }
    // The number's own first event: its webhooks and numberStatusChanged carry it, numbered from 1 like an ordered one's.
    const number = await tx.phoneNumber.findUniqueOrThrow({ where: { id: inserted.id }, select: NUMBER_EVENT_SELECT });
    activated.push(await recordNumberEvent(tx, 'phone_number.ported_in', number, n.focAt!));
  }
  const remaining = await tx.portingOrderNumber.findMany({ where: { portingOrderId: order.id, status: 'pending' }, select: { focAt: true } });
  if (remaining.length) {
    const next = new Date(Math.min(...remaining.map((r) => r.focAt!.getTime())));
    await setStatus(tx, order.id, 'partially_ported', at, next);
  } else {
    await setStatus(tx, order.id, 'ported', at, null, { portedAt: at });
  }
  afterCommit(tx, () => {
    for (const event of activated) deps.pubSub.publish('NUMBER_STATUS_CHANGED', order.tenant_id, numberStatusNotice(event, 'active'));
  });
}
