import { StripeApiError, cardError, invalidRequest, unexpectedState } from '../errors';
import { EventLog, previousAttributes } from '../events';
import { newId, randomToken, unixNow } from '../ids';
import { createdFilter, paginate } from '../list';
import { liveCustomer } from '../lookups';
import { currencyParam } from '../money';
import { CustomerRecord, InvoiceRecord, PaymentMethodRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';
import { Store, toWire } from '../store';
import { recomputeInvoice } from './invoice-lines';
import { confirmPaymentIntent, newPaymentIntent } from './payment-intents';
import { resolvePaymentMethod } from './payment-methods';

const WRITE_PARAMS = [
  'auto_advance',
  'collection_method',
  'days_until_due',
  'due_date',
  'description',
  'metadata',
  'footer',
  'default_payment_method',
  'statement_descriptor',
  'custom_fields',
  'account_tax_ids',
  'application_fee_amount',
  'automatic_tax',
  'automatically_finalizes_at',
  'default_source',
  'default_tax_rates',
  'discounts',
  'effective_at',
  'issuer',
  'on_behalf_of',
  'payment_settings',
  'rendering',
  'shipping_cost',
  'shipping_details',
  'transfer_data',
  'number',
];
const CREATE_ONLY = ['customer', 'customer_account', 'currency', 'pending_invoice_items_behavior', 'subscription', 'from_invoice'];
const EDITABLE_WHEN_FINALIZED = ['metadata', 'description', 'footer', 'auto_advance', 'custom_fields', 'expand'];
const DAY = 24 * 60 * 60;

export function hostedInvoiceUrl(baseUrl: string, invoice: InvoiceRecord): string {
  return `${baseUrl}/i/${invoice._token}`;
}

function defaultPaymentMethodParam(ctx: ApiContext, customerId: string, value: string | null | undefined): string | null | undefined {
  if (!value) return value;
  const pm = ctx.store.find('payment_methods', value);
  if (!pm || pm.customer !== customerId) {
    throw invalidRequest(`The customer does not have a payment method with the ID ${value}. The payment method must be attached to the customer.`, {
      param: 'default_payment_method',
      code: 'resource_missing',
    });
  }
  return value;
}

/** Fields shared by create and update; validated against a draft copy, so a refused call changes nothing. */
function applyWritable(ctx: ApiContext, invoice: InvoiceRecord): void {
  const params = ctx.params;
  const autoAdvance = params.boolean('auto_advance');
  if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
  const method = params.oneOf('collection_method', ['charge_automatically', 'send_invoice']);
  if (method !== undefined) invoice.collection_method = method;
  const days = params.integer('days_until_due', { min: 0 });
  const dueDate = params.integer('due_date');
  if (invoice.collection_method === 'send_invoice') {
    if (days !== undefined) invoice.due_date = invoice.created + days * DAY;
    if (dueDate !== undefined) invoice.due_date = dueDate;
    if (invoice.due_date === null) throw invalidRequest('Missing required param: days_until_due.', { param: 'days_until_due', code: 'parameter_missing' });
  } else if (days !== undefined || dueDate !== undefined) {
    throw invalidRequest('Invoices with `collection_method=charge_automatically` cannot have a due date.', { param: days !== undefined ? 'days_until_due' : 'due_date' });
  }
  const description = params.nullableString('description', { maxLength: 1500 });
  if (description !== undefined) invoice.description = description;
  const footer = params.nullableString('footer', { maxLength: 5000 });
  if (footer !== undefined) invoice.footer = footer;
  const descriptor = params.nullableString('statement_descriptor', { maxLength: 22 });
  if (descriptor !== undefined) invoice.statement_descriptor = descriptor;
  const number = params.nullableString('number', { maxLength: 26 });
  if (number !== undefined) invoice.number = number;
  const pm = defaultPaymentMethodParam(ctx, idOf(invoice.customer)!, params.nullableString('default_payment_method'));
  if (pm !== undefined) invoice.default_payment_method = pm;
  invoice.metadata = params.metadata(invoice.metadata ?? {}) ?? invoice.metadata;
}

function snapshotCustomer(invoice: InvoiceRecord, customer: CustomerRecord): void {
  invoice.customer_email = customer.email;
  invoice.customer_name = customer.name ?? null;
  invoice.customer_phone = customer.phone ?? null;
  invoice.customer_address = customer.address ? structuredClone(customer.address) : null;
}

function createInvoice(ctx: ApiContext): InvoiceRecord {
  const params = ctx.params.allow([...WRITE_PARAMS, ...CREATE_ONLY]);
  const customer = liveCustomer(ctx.store, params.string('customer', { required: true })!);
  const pending = ctx.store.all('invoiceitems').filter((item) => item.customer === customer.id && item.invoice === null);
  const include = params.oneOf('pending_invoice_items_behavior', ['exclude', 'include']) === 'include';
  const currency = currencyParam(params) ?? (include ? pending[0]?.currency : undefined) ?? customer.currency ?? 'usd';
  const now = unixNow();
  const id = newId('in');
  const invoice: InvoiceRecord = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'voepy (local Stripe)',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'manual',
    collection_method: 'charge_automatically',
    confirmation_secret: null,
    created: now,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: customer.invoice_settings.footer,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: now,
    period_start: now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
    _seq: ctx.store.nextSeq(),
    _token: randomToken(40),
    _payments: [],
  };
  applyWritable(ctx, invoice);
  snapshotCustomer(invoice, customer);
  ctx.store.insert('invoices', invoice);
  // Stripe's default (since 2022) leaves pending items for the next invoice unless asked to include them.
  if (include) for (const item of pending) if (item.currency === currency) item.invoice = invoice.id;
  recomputeInvoice(ctx.store, invoice);
  ctx.events.emit('invoice.created', invoice);
  return invoice;
}

function updateInvoice(ctx: ApiContext): InvoiceRecord {
  const params = ctx.params.allow(WRITE_PARAMS);
  const invoice = ctx.store.get('invoices', ctx.pathParams.id);
  if (invoice.status !== 'draft') {
    const locked = Object.keys(params.raw).find((key) => !EDITABLE_WHEN_FINALIZED.includes(key));
    if (locked) {
      throw invalidRequest(`You can only update ${EDITABLE_WHEN_FINALIZED.filter((k) => k !== 'expand').join(', ')} on a finalized invoice.`, {
        param: locked,
        code: 'invoice_not_editable',
      });
    }
  }
  const before = structuredClone(invoice);
  const draft = structuredClone(invoice);
  applyWritable(ctx, draft);
  Object.assign(invoice, draft);
  ctx.store.touch();
  const changed = previousAttributes(before, invoice);
  if (changed) ctx.events.emit('invoice.updated', invoice, changed);
  return invoice;
}

function markPaid(events: EventLog, invoice: InvoiceRecord, amount: number): void {
  invoice.status = 'paid';
  invoice.amount_paid += amount;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = unixNow();
  invoice.next_payment_attempt = null;
  events.emit('invoice.paid', invoice);
  events.emit('invoice.payment_succeeded', invoice);
}

function finalize(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
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
function pay(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
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

function voidInvoice(ctx: ApiContext, invoice: InvoiceRecord): InvoiceRecord {
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

/** POST /v1/invoices/:id/<action>; `allowed` are the action's parameters (pay checks its own). */
function invoiceAction(name: string, run: (ctx: ApiContext, invoice: InvoiceRecord) => InvoiceRecord, allowed?: string[]): Route {
  return {
    method: 'POST',
    path: `/v1/invoices/:id/${name}`,
    handler: (ctx) => {
      if (allowed) ctx.params.allow(allowed);
      return ctx.render(run(ctx, ctx.store.get('invoices', ctx.pathParams.id)));
    },
  };
}

export const invoiceRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoices', handler: (ctx) => ctx.render(createInvoice(ctx)) },
  {
    method: 'GET',
    path: '/v1/invoices/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('invoices', ctx.pathParams.id));
    },
  },
  { method: 'POST', path: '/v1/invoices/:id', handler: (ctx) => ctx.render(updateInvoice(ctx)) },
  {
    method: 'DELETE',
    path: '/v1/invoices/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      const invoice = ctx.store.get('invoices', ctx.pathParams.id);
      if (invoice.status !== 'draft') throw unexpectedState('You can only delete draft invoices.', 'invoice_not_editable');
      for (const item of ctx.store.all('invoiceitems')) if (item.invoice === invoice.id) item.invoice = null;
      ctx.store.remove('invoices', invoice.id);
      ctx.events.emit('invoice.deleted', invoice);
      return { id: invoice.id, object: 'invoice', deleted: true };
    },
  },
  invoiceAction('finalize', (ctx, invoice) => {
    const autoAdvance = ctx.params.boolean('auto_advance');
    if (autoAdvance !== undefined && invoice.status === 'draft') invoice.auto_advance = autoAdvance;
    return finalize(ctx, invoice);
  }, ['auto_advance']),
  invoiceAction('pay', pay),
  invoiceAction('void', voidInvoice, []),
  invoiceAction('mark_uncollectible', (ctx, invoice) => {
    if (invoice.status !== 'open') throw unexpectedState(`You can only mark open invoices uncollectible; this one is ${invoice.status}.`, 'invoice_not_editable');
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = unixNow();
    ctx.store.touch();
    ctx.events.emit('invoice.marked_uncollectible', invoice);
    return invoice;
  }, []),
  invoiceAction('send', (ctx, invoice) => {
    if (invoice.status !== 'open') throw unexpectedState('You can only send finalized (open) invoices.', 'invoice_not_editable');
    ctx.events.emit('invoice.sent', invoice);
    return invoice;
  }, []),
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    handler: (ctx) => {
      ctx.params.allow(['limit', 'starting_after', 'ending_before']);
      const invoice = ctx.store.get('invoices', ctx.pathParams.id);
      // Lines keep the invoice's order (oldest first), so pagination walks them in that order.
      const lines = invoice.lines.data.map((line, i) => ({ ...line, _seq: invoice.lines.data.length - i }));
      return paginate(lines, ctx.params, `/v1/invoices/${invoice.id}/lines`, (line) => toWire(line));
    },
  },
  {
    method: 'GET',
    path: '/v1/invoices',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'customer_account', 'status', 'collection_method', 'subscription', 'created', 'due_date', 'limit', 'starting_after', 'ending_before']);
      const customer = ctx.params.string('customer');
      const status = ctx.params.oneOf('status', ['draft', 'open', 'paid', 'uncollectible', 'void']);
      const method = ctx.params.string('collection_method');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('invoices')
        .filter(
          (inv) =>
            (customer === undefined || inv.customer === customer) &&
            (status === undefined || inv.status === status) &&
            (method === undefined || inv.collection_method === method) &&
            created(inv.created),
        );
      return paginate(items, ctx.params, '/v1/invoices', (inv) => ctx.render(inv));
    },
  },
];
