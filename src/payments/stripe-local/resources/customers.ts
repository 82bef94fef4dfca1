import { invalidRequest } from '../errors';
import { previousAttributes } from '../events';
import { newId, randomToken, unixNow } from '../ids';
import { createdFilter } from '../list';
import { addressFrom, liveCustomer } from '../lookups';
import { Params } from '../params';
import { CustomerRecord } from '../records';
import { ApiContext, Route } from '../router';
import { assertAttachable, attachPaymentMethod, resolvePaymentMethod } from './payment-methods';

/** Real Stripe parameters; the ones not modelled here are accepted and ignored rather than refused. */
const WRITE_PARAMS = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'description',
  'email',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'phone',
  'preferred_locales',
  'shipping',
  'tax',
  'tax_exempt',
  'validate',
];
const CREATE_ONLY = ['payment_method', 'source', 'tax_id_data', 'test_clock'];
const UPDATE_ONLY = ['default_source', 'source'];

/** `invoice_settings[default_payment_method]` must name a PaymentMethod attached to this customer. */
function applyInvoiceSettings(ctx: ApiContext, customer: CustomerRecord, params: Params | undefined): void {
  if (!params) return;
  params.allow(['custom_fields', 'default_payment_method', 'footer', 'rendering_options']);
  const pmId = params.nullableString('default_payment_method');
  if (pmId) {
    const pm = ctx.store.find('payment_methods', pmId);
    if (!pm || pm.customer !== customer.id) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
        { param: params.path('default_payment_method'), code: 'resource_missing' },
      );
    }
  }
  if (pmId !== undefined) customer.invoice_settings.default_payment_method = pmId;
  const footer = params.nullableString('footer');
  if (footer !== undefined) customer.invoice_settings.footer = footer;
}

function applyWritableFields(customer: CustomerRecord, params: Params): void {
  const email = params.nullableString('email', { maxLength: 512 });
  if (email !== undefined) customer.email = email;
  const name = params.nullableString('name', { maxLength: 256 });
  if (name !== undefined) customer.name = name;
  const description = params.nullableString('description', { maxLength: 350 });
  if (description !== undefined) customer.description = description;
  const phone = params.nullableString('phone', { maxLength: 20 });
  if (phone !== undefined) customer.phone = phone;
  if (params.has('address')) customer.address = params.raw.address === '' ? null : addressFrom(params.object('address'));
  const balance = params.integer('balance');
  if (balance !== undefined) customer.balance = balance;
  const locales = params.strings('preferred_locales');
  if (locales !== undefined) customer.preferred_locales = locales;
  const prefix = params.string('invoice_prefix');
  if (prefix !== undefined) {
    if (!/^[A-Z0-9]{3,12}$/.test(prefix)) throw invalidRequest('Invoice prefix must be 3-12 uppercase letters or numbers.', { param: 'invoice_prefix' });
    customer.invoice_prefix = prefix;
  }
  const sequence = params.integer('next_invoice_sequence', { min: 1 });
  if (sequence !== undefined) customer.next_invoice_sequence = sequence;
  customer.metadata = params.metadata(customer.metadata) ?? customer.metadata;
}

function createCustomer(ctx: ApiContext): CustomerRecord {
  const params = ctx.params.allow([...WRITE_PARAMS, ...CREATE_ONLY]);
  const customer: CustomerRecord = {
    id: newId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created: unixNow(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    _seq: ctx.store.nextSeq(),
  };
  applyWritableFields(customer, params);
  // Everything is validated before anything is stored, so a refused create leaves nothing behind.
  const pmId = params.string('payment_method');
  const pm = pmId !== undefined ? resolvePaymentMethod(ctx, pmId, 'payment_method') : undefined;
  if (pm) assertAttachable(pm, null);
  const settings = params.object('invoice_settings');
  const defaultPm = settings?.nullableString('default_payment_method');
  if (defaultPm && defaultPm !== pmId) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${defaultPm}. The payment method must be attached to the customer.`,
      { param: 'invoice_settings[default_payment_method]', code: 'resource_missing' },
    );
  }
  ctx.store.insert('customers', customer);
  if (pm) {
    attachPaymentMethod(ctx, pm, customer);
    // `invoice_settings[default_payment_method]` may name the PaymentMethod given in the same call (even a test id).
    if (defaultPm) settings!.raw.default_payment_method = pm.id;
  }
  applyInvoiceSettings(ctx, customer, settings);
  ctx.events.emit('customer.created', customer);
  return customer;
}

function updateCustomer(ctx: ApiContext): CustomerRecord {
  const params = ctx.params.allow([...WRITE_PARAMS, ...UPDATE_ONLY]);
  const customer = liveCustomer(ctx.store, ctx.pathParams.id, 'id');
  const before = structuredClone(customer);
  const draft = structuredClone(customer);
  // Applied to a copy first: a refused update must not change anything.
  applyWritableFields(draft, params);
  applyInvoiceSettings(ctx, draft, params.object('invoice_settings'));
  Object.assign(customer, draft);
  ctx.store.touch();
  const changed = previousAttributes(before, customer);
  if (changed) ctx.events.emit('customer.updated', customer, changed);
  return customer;
}

export const customerRoutes: Route[] = [
  { method: 'POST', path: '/v1/customers', handler: (ctx) => ctx.render(createCustomer(ctx)) },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      const customer = ctx.store.get('customers', ctx.pathParams.id);
      // Stripe still answers for a deleted customer, with a stub.
      if (customer._deleted) return { id: customer.id, object: 'customer', deleted: true };
      return ctx.render(customer);
    },
  },
  { method: 'POST', path: '/v1/customers/:id', handler: (ctx) => ctx.render(updateCustomer(ctx)) },
  {
    method: 'DELETE',
    path: '/v1/customers/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      const customer = liveCustomer(ctx.store, ctx.pathParams.id, 'id');
      for (const pm of ctx.store.all('payment_methods')) {
        if (pm.customer === customer.id) {
          pm.customer = null;
          pm._consumed = true;
        }
      }
      customer._deleted = true;
      ctx.store.touch();
      ctx.events.emit('customer.deleted', customer);
      return { id: customer.id, object: 'customer', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: (ctx) => {
      ctx.params.allow(['email', 'created', 'limit', 'starting_after', 'ending_before', 'test_clock']);
      const email = ctx.params.string('email');
      const created = createdFilter(ctx.params);
      const items = ctx.store
        .all('customers')
        .filter((c) => !c._deleted && (email === undefined || c.email === email) && created(c.created));
      return ctx.list(items, '/v1/customers');
    },
  },
];
