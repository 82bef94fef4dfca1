import { StripeApiError, cardError, invalidRequest, unexpectedState } from '../errors';
import { EventLog } from '../events';
import { newId, unixNow } from '../ids';
import { CustomerRecord, InvoiceRecord, PaymentMethodRecord, idOf } from '../records';
import { ApiContext } from '../router';
import { Store, toWire } from '../store';
import { recomputeInvoice } from './invoice-lines';
import { confirmPaymentIntent, newPaymentIntent } from './payment-intents';
import { resolvePaymentMethod } from './payment-methods';

/** An invoice's life after its draft: finalization, collection through its own PaymentIntent, voiding. */
export function hostedInvoiceUrl(baseUrl: string, invoice: InvoiceRecord): string {
  return `${baseUrl}/i/${invoice._token}`;
}

export function snapshotCustomer(invoice: InvoiceRecord, customer: CustomerRecord): void {
  invoice.customer_email = customer.email;
  invoice.customer_name = customer.name ?? null;
  invoice.customer_phone = customer.phone ?? null;
  invoice.customer_address = customer.address ? structuredClone(customer.address) : null;
}

export function markPaid(events: EventLog, invoice: InvoiceRecord, amount: number): void {
  invoice.status = 'paid';
  invoice.amount_paid += amount;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = unixNow();
  invoice.next_payment_attempt = null;
  events.emit('invoice.paid', invoice);
  events.emit('invoice.payment_succeeded', invoice);
}

export function finalize(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
  if (invoice.status !== 'draft') {
    throw unexpectedState("This invoice is already finalized, you can't re-finalize a non-draft invoice.", 'invoice_not_editable');
  }
  const customer = ctx.store.get('customers', idOf(invoice.customer)!, 'customer');
  const now = unixNow();
  if (!invoice.number) {
    const sequence = customer.next_invoice_sequence ?? 1;
    invoice.number = `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
    customer.next_invoice_sequence = sequence + 1;
  }
  recomputeInvoice(ctx.store, invoice);
  snapshotCustomer(invoice, customer);
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.starting_balance = 0;
  invoice.ending_balance = 0;
  invoice.hosted_invoice_url = hostedInvoiceUrl(ctx.baseUrl, invoice);
  invoice.invoice_pdf = `${hostedInvoiceUrl(ctx.baseUrl, invoice)}/pdf`;
  invoice.next_payment_attempt = invoice.collection_method === 'charge_automatically' && invoice.auto_advance ? now + 60 * 60 : null;
  invoice.webhooks_delivered_at = now;
  ctx.store.touch();
  ctx.events.emit('invoice.finalized', invoice);
  // Nothing to collect: Stripe marks a zero-amount invoice paid as it finalizes it.
  if (invoice.amount_due === 0) markPaid(ctx.events, invoice, 0);
  return invoice;
}

function paymentMethodFor(ctx: ApiContext, invoice: InvoiceRecord, requested: string | undefined): PaymentMethodRecord {
  const customer = ctx.store.get('customers', idOf(invoice.customer)!, 'customer');
  if (requested !== undefined) {
    const pm = resolvePaymentMethod(ctx, requested, 'payment_method');
    if (pm.customer !== customer.id) {
      throw invalidRequest(`The payment method ${pm.id} is not attached to customer ${customer.id}.`, { param: 'payment_method' });
    }
    return pm;
  }
  const id = idOf(invoice.default_payment_method) ?? idOf(customer.invoice_settings.default_payment_method);
  if (!id) {
    throw invalidRequest(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
      {},
    );
  }
  return ctx.store.get('payment_methods', id, 'default_payment_method');
}

/** Collects the invoice with a PaymentIntent of its own, reused across attempts like Stripe's. */
export function pay(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
  const params = ctx.params.allow(['payment_method', 'off_session', 'paid_out_of_band', 'forgive', 'mandate', 'source']);
  if (invoice.status === 'draft') finalize(ctx, invoice);
  if (invoice.status === 'paid') throw unexpectedState('Invoice is already paid', 'invoice_not_editable');
  if (invoice.status !== 'open') throw unexpectedState(`This invoice can't be paid because it has a status of ${invoice.status}.`, 'invoice_not_editable');
  if (params.boolean('paid_out_of_band')) {
    invoice.amount_paid_off_stripe = invoice.amount_remaining;
    markPaid(ctx.events, invoice, invoice.amount_remaining);
    ctx.store.touch();
    return invoice;
  }
  const pm = paymentMethodFor(ctx, invoice, params.string('payment_method'));
  const open = invoice._payments.find((p) => p.status === 'open');
  let pi = open ? ctx.store.find('payment_intents', idOf(open.payment.payment_intent) ?? '') : undefined;
  if (!pi) {
    pi = newPaymentIntent(ctx, {
      amount: invoice.amount_remaining,
      currency: invoice.currency,
      customer: idOf(invoice.customer),
      pm,
      description: `Payment for Invoice ${invoice.number}`,
    });
    pi.payment_method_types = ['card'];
    pi._invoice = invoice.id;
    ctx.store.insert('payment_intents', pi);
    ctx.events.emit('payment_intent.created', pi);
    invoice._payments.push({
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: pi.amount,
      created: unixNow(),
      currency: pi.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: pi.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    });
  } else if (pi.status === 'requires_action') {
    pi.status = 'requires_confirmation';
    pi.next_action = null;
  }
  invoice.attempted = true;
  invoice.attempt_count += 1;
  ctx.store.touch();
  try {
    // Billing doesn't fail a payment that needs 3DS: it waits for the customer (invoice.payment_action_required).
    confirmPaymentIntent(ctx, pi, { pm, offSession: params.boolean('off_session') ?? true, waitForAuthentication: true });
  } catch (err) {
    if (err instanceof StripeApiError && err.status === 402) ctx.events.emit('invoice.payment_failed', invoice);
    throw err;
  }
  if (pi.status === 'requires_action') {
    ctx.events.emit('invoice.payment_action_required', invoice);
    throw cardError({
      code: 'invoice_payment_intent_requires_action',
      message:
        'This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice. For more details see: https://stripe.com/docs/billing/subscriptions/overview#requires-action',
      payment_intent: toWire(pi),
    });
  }
  return invoice;
}

export function voidInvoice(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw unexpectedState(`You can only void open or uncollectible invoices; this one is ${invoice.status}.`, 'invoice_not_editable');
  }
  invoice.status = 'void';
  invoice.status_transitions.voided_at = unixNow();
  invoice.next_payment_attempt = null;
  for (const payment of invoice._payments.filter((p) => p.status === 'open')) {
    const pi = ctx.store.find('payment_intents', idOf(payment.payment.payment_intent) ?? '');
    if (pi && pi.status !== 'succeeded' && pi.status !== 'canceled') {
      pi.status = 'canceled';
      pi.canceled_at = unixNow();
      pi.cancellation_reason = 'void_invoice';
      pi.next_action = null;
      ctx.events.emit('payment_intent.canceled', pi);
    }
    payment.status = 'canceled';
    payment.status_transitions.canceled_at = unixNow();
  }
  ctx.store.touch();
  ctx.events.emit('invoice.voided', invoice);
  return invoice;
}

/** An invoice settles when its PaymentIntent succeeds, whether `pay` did it or the customer's 3DS completed later. */
export function settleInvoicesOnPayment(store: Store, events: EventLog): void {
  events.on('payment_intent.succeeded', (event) => {
    const pi = store.find('payment_intents', String(event.data.object.id));
    const invoice = pi?._invoice ? store.find('invoices', pi._invoice) : undefined;
    if (!pi || !invoice || invoice.status !== 'open') return;
    const payment = invoice._payments.find((p) => idOf(p.payment.payment_intent) === pi.id);
    if (payment) {
      payment.status = 'paid';
      payment.amount_paid = pi.amount;
      payment.status_transitions.paid_at = unixNow();
    }
    markPaid(events, invoice, pi.amount);
    if (payment) events.emit('invoice_payment.paid', payment);
    store.touch();
  });
}

