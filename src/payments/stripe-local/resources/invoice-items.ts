import { invalidRequest } from '../errors';
import { previousAttributes } from '../events';
import { newId, unixNow } from '../ids';
import { createdFilter } from '../list';
import { liveCustomer } from '../lookups';
import { currencyParam } from '../money';
import { Params } from '../params';
import { InvoiceItemRecord } from '../records';
import { ApiContext, Route } from '../router';
import { decimal, recomputeInvoice } from './invoice-lines';

const CREATE_PARAMS = [
  'customer',
  'customer_account',
  'amount',
  'currency',
  'description',
  'metadata',
  'period',
  'invoice',
  'quantity',
  'quantity_decimal',
  'unit_amount_decimal',
  'discountable',
  'discounts',
  'price_data',
  'pricing',
  'subscription',
  'tax_behavior',
  'tax_code',
  'tax_rates',
];
const UPDATE_PARAMS = ['amount', 'description', 'metadata', 'period', 'quantity', 'unit_amount_decimal', 'discountable', 'discounts', 'price_data', 'pricing', 'tax_behavior', 'tax_code', 'tax_rates'];

/** `amount`, or `unit_amount_decimal` × `quantity` (prices and products are not modelled). */
function amountAndQuantity(params: Params, current?: InvoiceItemRecord): { amount: number; quantity: number; unit: string } {
  const quantity = params.integer('quantity', { min: 1 }) ?? current?.quantity ?? 1;
  const unitRaw = params.string('unit_amount_decimal');
  if (unitRaw !== undefined) {
    if (params.has('amount')) throw invalidRequest('You may only specify one of these parameters: amount, unit_amount_decimal.', { param: 'amount', code: 'parameters_exclusive' });
    const unit = Number(unitRaw);
    if (!Number.isFinite(unit)) throw invalidRequest(`Invalid decimal: ${unitRaw}`, { param: 'unit_amount_decimal' });
    return { amount: Math.round(unit * quantity), quantity, unit: unitRaw };
  }
  const amount = params.integer('amount', { required: !current }) ?? current!.amount;
  if (params.has('quantity') && params.has('amount') && quantity !== 1) {
    throw invalidRequest('When `amount` is passed, `quantity` must be 1; use `unit_amount_decimal` to bill a quantity.', { param: 'quantity' });
  }
  return { amount, quantity: params.has('amount') ? 1 : quantity, unit: String(params.has('amount') ? amount : current?.pricing?.unit_amount_decimal ?? amount) };
}

function periodFrom(params: Params, fallback: number): { start: number; end: number } {
  const period = params.object('period')?.allow(['start', 'end']);
  if (!period) return { start: fallback, end: fallback };
  const start = period.integer('start', { required: true })!;
  const end = period.integer('end', { required: true })!;
  if (end < start) throw invalidRequest('The period end must be after the period start.', { param: 'period[end]' });
  return { start, end };
}

function draftInvoice(ctx: ApiContext, id: string, param: string) {
  const invoice = ctx.store.get('invoices', id, param);
  if (invoice.status !== 'draft') {
    throw invalidRequest(`Invoice ${invoice.id} is not a draft; items can only be added to or changed on draft invoices.`, { param, code: 'invoice_not_editable' });
  }
  return invoice;
}

function createInvoiceItem(ctx: ApiContext): InvoiceItemRecord {
  const params = ctx.params.allow(CREATE_PARAMS);
  const customer = liveCustomer(ctx.store, params.string('customer', { required: true })!);
  const currency = currencyParam(params) ?? customer.currency ?? 'usd';
  const { amount, quantity, unit } = amountAndQuantity(params);
  const invoiceId = params.string('invoice');
  const invoice = invoiceId !== undefined ? draftInvoice(ctx, invoiceId, 'invoice') : undefined;
  if (invoice && invoice.customer !== customer.id) {
    throw invalidRequest(`Invoice ${invoice.id} belongs to a different customer.`, { param: 'invoice' });
  }
  if (invoice && invoice.currency !== currency) {
    throw invalidRequest(`The currency of this invoice item (${currency}) does not match the invoice's currency (${invoice.currency}).`, { param: 'currency' });
  }
  const now = unixNow();
  const item: InvoiceItemRecord = {
    id: newId('ii'),
    object: 'invoiceitem',
    amount,
    currency,
    customer: customer.id,
    customer_account: null,
    date: now,
    description: params.string('description', { maxLength: 500 }) ?? null,
    discountable: params.boolean('discountable') ?? amount >= 0,
    discounts: [],
    invoice: invoice?.id ?? null,
    livemode: false,
    metadata: params.metadata() ?? {},
    parent: null,
    period: periodFrom(params, now),
    pricing: { type: 'price_details', unit_amount_decimal: decimal(unit) },
    proration: false,
    quantity,
    quantity_decimal: decimal(String(quantity)),
    tax_rates: [],
    test_clock: null,
    _seq: ctx.store.nextSeq(),
  };
  ctx.store.insert('invoiceitems', item);
  if (invoice) recomputeInvoice(ctx.store, invoice);
  ctx.events.emit('invoiceitem.created', item);
  return item;
}

/** An item can change while it is pending or on a draft invoice. */
function editableItem(ctx: ApiContext): InvoiceItemRecord {
  const item = ctx.store.get('invoiceitems', ctx.pathParams.id);
  if (item.invoice) draftInvoice(ctx, item.invoice as string, 'id');
  return item;
}

export const invoiceItemRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoiceitems', handler: (ctx) => ctx.render(createInvoiceItem(ctx)) },
  {
    method: 'GET',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('invoiceitems', ctx.pathParams.id));
    },
  },
  {
    method: 'POST',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => {
      const params = ctx.params.allow(UPDATE_PARAMS);
      const item = editableItem(ctx);
      const before = structuredClone(item);
      const { amount, quantity, unit } = amountAndQuantity(params, item);
      const description = params.nullableString('description', { maxLength: 500 });
      const metadata = params.metadata(item.metadata ?? {});
      const period = params.has('period') ? periodFrom(params, item.date) : item.period;
      Object.assign(item, { amount, quantity, quantity_decimal: decimal(String(quantity)), period });
      item.pricing = { type: 'price_details', unit_amount_decimal: decimal(unit) };
      if (description !== undefined) item.description = description;
      if (metadata !== undefined) item.metadata = metadata;
      const invoice = item.invoice ? ctx.store.find('invoices', item.invoice as string) : undefined;
      if (invoice) recomputeInvoice(ctx.store, invoice);
      ctx.store.touch();
      const changed = previousAttributes(before, item);
      if (changed) ctx.events.emit('invoiceitem.updated', item, changed);
      return ctx.render(item);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      const item = editableItem(ctx);
      ctx.store.remove('invoiceitems', item.id);
      const invoice = item.invoice ? ctx.store.find('invoices', item.invoice as string) : undefined;
      if (invoice) recomputeInvoice(ctx.store, invoice);
      ctx.events.emit('invoiceitem.deleted', item);
      return { id: item.id, object: 'invoiceitem', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/invoiceitems',
    handler: (ctx) => {
      ctx.params.allow(['customer', 'customer_account', 'invoice', 'pending', 'created', 'limit', 'starting_after', 'ending_before']);
      const customer = ctx.params.string('customer');
      const invoice = ctx.params.string('invoice');
      const pending = ctx.params.boolean('pending');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('invoiceitems')
        .filter(
          (item) =>
            (customer === undefined || item.customer === customer) &&
            (invoice === undefined || item.invoice === invoice) &&
            (pending === undefined || (item.invoice === null) === pending) &&
            created(item.date),
        );
      return ctx.list(items, '/v1/invoiceitems');
    },
  },
];
