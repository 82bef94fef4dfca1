import type Stripe from 'stripe';
import { InvoiceItemRecord, InvoiceRecord } from '../records';
import { Store } from '../store';

/** The SDK turns decimal strings into its Decimal type when it reads them; on the wire they are strings. */
export function decimal(value: string): Stripe.InvoiceItem['quantity_decimal'] {
  return value as unknown as Stripe.InvoiceItem['quantity_decimal'];
}

/** An invoice line mirrors its invoice item; its id is derived from the item's, so it is stable across recomputes. */
function lineFor(item: InvoiceItemRecord, invoiceId: string): Stripe.InvoiceLineItem {
  return {
    id: `il_${item.id.slice(item.id.indexOf('_') + 1)}`,
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: structuredClone(item.metadata ?? {}),
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: { invoice_item: item.id, proration: false, proration_details: { credited_items: null }, subscription: null },
      subscription_item_details: null,
    },
    period: structuredClone(item.period),
    pretax_credit_amounts: [],
    pricing: item.pricing ? structuredClone(item.pricing) : null,
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription: null,
    subtotal: item.amount,
    taxes: [],
  };
}

/** Rebuilds an invoice's lines and totals from the invoice items on it (no taxes or discounts here). */
export function recomputeInvoice(store: Store, invoice: InvoiceRecord): void {
  const items = store
    .all('invoiceitems')
    .filter((item) => item.invoice === invoice.id)
    .sort((a, b) => a._seq - b._seq);
  const lines = items.map((item) => lineFor(item, invoice.id));
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  invoice.lines = { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invoice.id}/lines` };
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  invoice.amount_due = Math.max(0, subtotal);
  invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
}
