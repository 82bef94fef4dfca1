import { invalidRequest, unexpectedState } from '../errors';
import { previousAttributes } from '../events';
import { newId, randomToken, unixNow } from '../ids';
import { createdFilter, paginate } from '../list';
import { liveCustomer } from '../lookups';
import { currencyParam } from '../money';
import { InvoiceRecord, idOf } from '../records';
import { ApiContext, Route } from '../router';
import { toWire } from '../store';
import { finalize, pay, snapshotCustomer, voidInvoice } from './invoice-collection';
import { recomputeInvoice } from './invoice-lines';

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
      return ctx.list(items, '/v1/invoices');
    },
  },
];
