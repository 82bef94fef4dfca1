import { invalidRequest } from '../errors';
import { previousAttributes } from '../events';
import { newId, randomToken, unixNow } from '../ids';
import { createdFilter } from '../list';
import { formatAmount } from '../money';
import { ChargeRecord, RefundRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';
import { recordBalanceTransaction } from './charges';

const CREATE_PARAMS = ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'currency', 'customer', 'instructions_email', 'origin', 'refund_application_fee', 'reverse_transfer'];

/** The charge a refund request points at, which must have succeeded. */
function refundableCharge(ctx: ApiContext): ChargeRecord {
  const params = ctx.params;
  const piId = params.string('payment_intent');
  const chargeId = params.string('charge');
  if (piId === undefined && chargeId === undefined) {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing' });
  }
  if (piId !== undefined && chargeId !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: charge, payment_intent.', { param: 'charge', code: 'parameters_exclusive' });
  }
  if (piId !== undefined) {
    const pi = ctx.store.get('payment_intents', piId, 'payment_intent');
    const latest = idOf(pi.latest_charge);
    if (pi.status !== 'succeeded' || !latest) {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: 'payment_intent', code: 'charge_not_refundable' });
    }
    return ctx.store.get('charges', latest, 'payment_intent');
  }
  const charge = ctx.store.get('charges', chargeId!, 'charge');
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, { param: 'charge', code: 'charge_not_refundable' });
  }
  return charge;
}

function createRefund(ctx: ApiContext): RefundRecord {
  const params = ctx.params.allow(CREATE_PARAMS);
  const charge = refundableCharge(ctx);
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  }
  const amount = params.integer('amount') ?? remaining;
  if (amount <= 0) throw invalidRequest('Refund amount must be a positive integer.', { param: 'amount', code: 'parameter_invalid_integer' });
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      { param: 'amount', code: 'amount_too_large' },
    );
  }
  const reason = params.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
  const metadata = params.metadata() ?? {};
  const id = newId('re');
  // Stripe keeps its fee on refunds, so a refund's balance transaction carries no fee.
  const txn = recordBalanceTransaction(ctx, { amount: -amount, currency: charge.currency, source: id, type: 'refund', description: 'REFUND FOR CHARGE', fee: 0 });
  const refund: RefundRecord = {
    id,
    object: 'refund',
    amount,
    balance_transaction: txn.id,
    charge: charge.id,
    created: unixNow(),
    currency: charge.currency,
    customer: idOf(charge.customer),
    customer_account: null,
    destination_details: {
      type: 'card',
      card: { reference: randomToken(23), reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata,
    payment_intent: idOf(charge.payment_intent),
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
    _seq: ctx.store.nextSeq(),
  };
  ctx.store.insert('refunds', refund);
  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  ctx.store.touch();
  ctx.events.emit('refund.created', refund);
  ctx.events.emit('charge.refunded', charge, previousAttributes(before, charge));
  return refund;
}

export const refundRoutes: Route[] = [
  { method: 'POST', path: '/v1/refunds', handler: (ctx) => ctx.render(createRefund(ctx)) },
  {
    method: 'GET',
    path: '/v1/refunds/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('refunds', ctx.pathParams.id));
    },
  },
  {
    method: 'POST',
    path: '/v1/refunds/:id',
    handler: (ctx) => {
      const params = ctx.params.allow(['metadata']);
      const refund = ctx.store.get('refunds', ctx.pathParams.id);
      const before = structuredClone(refund);
      refund.metadata = params.metadata(refund.metadata ?? {}) ?? refund.metadata;
      ctx.store.touch();
      const changed = previousAttributes(before, refund);
      if (changed) ctx.events.emit('refund.updated', refund, changed);
      return ctx.render(refund);
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: (ctx) => {
      ctx.params.allow(['charge', 'payment_intent', 'created', 'limit', 'starting_after', 'ending_before']);
      const charge = ctx.params.string('charge');
      const pi = ctx.params.string('payment_intent');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('refunds')
        .filter((r) => (charge === undefined || r.charge === charge) && (pi === undefined || r.payment_intent === pi) && created(r.created));
      return ctx.list(items, '/v1/refunds');
    },
  },
];
