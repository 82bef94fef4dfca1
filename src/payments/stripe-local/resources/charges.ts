import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { previousAttributes } from '../events';
import { newId, randomToken, unixNow } from '../ids';
import { createdFilter } from '../list';
import { processingFee } from '../money';
import { BalanceTransactionRecord, ChargeRecord, PaymentIntentRecord, PaymentMethodRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';

export type ChargeOutcome =
  | { approved: true; threeDSecure: boolean }
  | { approved: false; code: string; declineCode: string; message: string };

export function recordBalanceTransaction(
  ctx: ApiContext,
  fields: { amount: number; currency: string; source: string; type: 'charge' | 'refund'; description: string | null; fee: number },
): BalanceTransactionRecord {
  const created = unixNow();
  const feeDetails: Stripe.BalanceTransaction.FeeDetail[] =
    fields.fee === 0 ? [] : [{ amount: fields.fee, application: null, currency: fields.currency, description: 'Stripe processing fees', type: 'stripe_fee' }];
  return ctx.store.insert('balance_transactions', {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: fields.amount,
    available_on: created + 2 * 24 * 60 * 60,
    balance_type: 'payments',
    created,
    currency: fields.currency,
    description: fields.description,
    exchange_rate: null,
    fee: fields.fee,
    fee_details: feeDetails,
    net: fields.amount - fields.fee,
    reporting_category: fields.type,
    source: fields.source,
    status: 'pending',
    type: fields.type,
    _seq: ctx.store.nextSeq(),
  });
}

function outcomeOf(result: ChargeOutcome): Stripe.Charge.Outcome {
  if (result.approved) {
    return {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  return {
    advice_code: result.declineCode === 'insufficient_funds' ? 'try_again_later' : 'do_not_try_again',
    network_advice_code: null,
    network_decline_code: null,
    network_status: 'declined_by_network',
    reason: result.declineCode,
    risk_level: 'normal',
    risk_score: 20,
    seller_message: `The bank returned the decline code \`${result.declineCode}\`.`,
    type: 'issuer_declined',
  };
}

/** The Charge of one payment attempt, succeeded or failed, with `charge.succeeded` / `charge.failed`. */
export function recordCharge(ctx: ApiContext, pi: PaymentIntentRecord, pm: PaymentMethodRecord, result: ChargeOutcome): ChargeRecord {
  const card = pm.card!;
  const id = newId('ch');
  const txn = result.approved
    ? recordBalanceTransaction(ctx, { amount: pi.amount, currency: pi.currency, source: id, type: 'charge', description: pi.description, fee: processingFee(pi.amount) })
    : undefined;
  const charge: ChargeRecord = {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: result.approved ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: txn?.id ?? null,
    billing_details: structuredClone(pm.billing_details),
    calculated_statement_descriptor: pi.statement_descriptor ?? 'VOEPY LOCAL',
    captured: result.approved,
    created: unixNow(),
    currency: pi.currency,
    customer: idOf(pi.customer),
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: result.approved ? null : result.code,
    failure_message: result.approved ? null : result.message,
    fraud_details: {},
    livemode: false,
    metadata: structuredClone(pi.metadata),
    on_behalf_of: null,
    outcome: outcomeOf(result),
    paid: result.approved,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: result.approved ? pi.amount : null,
        authorization_code: result.approved ? randomToken(6).toUpperCase() : null,
        brand: card.brand,
        checks: structuredClone(card.checks),
        country: card.country,
        electronic_commerce_indicator: result.approved && result.threeDSecure ? '05' : null,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        fingerprint: card.fingerprint,
        funding: card.funding,
        installments: null,
        last4: card.last4,
        mandate: null,
        network: card.brand,
        network_transaction_id: result.approved ? randomToken(15) : null,
        regulated_status: 'unregulated',
        three_d_secure:
          result.approved && result.threeDSecure
            ? {
                authentication_flow: 'challenge',
                electronic_commerce_indicator: '05',
                exemption_indicator: null,
                result: 'authenticated',
                result_reason: null,
                transaction_id: randomToken(32),
                version: '2.2.0',
              }
            : null,
        transaction_link_id: null,
        wallet: null,
      },
    },
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status: result.approved ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
    _seq: ctx.store.nextSeq(),
  };
  ctx.store.insert('charges', charge);
  ctx.events.emit(result.approved ? 'charge.succeeded' : 'charge.failed', charge);
  return charge;
}

export const chargeRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/charges',
    handler: () => {
      throw invalidRequest('The local Stripe server does not create Charges directly; create and confirm a PaymentIntent instead.', {});
    },
  },
  {
    method: 'GET',
    path: '/v1/charges/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('charges', ctx.pathParams.id));
    },
  },
  {
    method: 'POST',
    path: '/v1/charges/:id',
    handler: (ctx) => {
      const params = ctx.params.allow(['description', 'metadata', 'receipt_email', 'fraud_details', 'shipping', 'transfer_group', 'customer']);
      const charge = ctx.store.get('charges', ctx.pathParams.id);
      const before = structuredClone(charge);
      charge.description = params.nullableString('description') ?? (params.has('description') ? null : charge.description);
      charge.receipt_email = params.nullableString('receipt_email') ?? (params.has('receipt_email') ? null : charge.receipt_email);
      charge.metadata = params.metadata(charge.metadata) ?? charge.metadata;
      ctx.store.touch();
      const changed = previousAttributes(before, charge);
      if (changed) ctx.events.emit('charge.updated', charge, changed);
      return ctx.render(charge);
    },
  },
  {
    method: 'GET',
    path: '/v1/charges',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'payment_intent', 'created', 'limit', 'starting_after', 'ending_before', 'transfer_group']);
      const customer = ctx.params.string('customer');
      const paymentIntent = ctx.params.string('payment_intent');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('charges')
        .filter((c) => (customer === undefined || c.customer === customer) && (paymentIntent === undefined || c.payment_intent === paymentIntent) && created(c.created));
      return ctx.list(items, '/v1/charges');
    },
  },
  {
    method: 'GET',
    path: '/v1/balance_transactions/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('balance_transactions', ctx.pathParams.id));
    },
  },
  {
    method: 'GET',
    path: '/v1/balance_transactions',
    handler: (ctx) => {
      ctx.params.allow(['source', 'type', 'created', 'currency', 'payout', 'limit', 'starting_after', 'ending_before']);
      const source = ctx.params.string('source');
      const type = ctx.params.string('type');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('balance_transactions')
        .filter((t) => (source === undefined || t.source === source) && (type === undefined || t.type === type) && created(t.created));
      return ctx.list(items, '/v1/balance_transactions');
    },
  },
];
