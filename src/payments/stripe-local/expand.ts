import { invalidRequest } from './errors';
import { ChargeRecord, InvoiceRecord } from './records';
import { Store, toWire } from './store';

/**
 * Fields Stripe leaves out unless expanded (they are lists, not ids). Everything else expandable is an id field,
 * resolved through the store by its prefix.
 */
const INCLUDABLE: Record<string, Record<string, (store: Store, id: string) => unknown>> = {
  invoice: {
    payments: (store, id) => {
      const invoice = store.find('invoices', id) as InvoiceRecord | undefined;
      const data = invoice?._payments ?? [];
      return { object: 'list', data: structuredClone(data), has_more: false, url: `/v1/invoice_payments?invoice=${id}` };
    },
  },
  charge: {
    refunds: (store, id) => {
      const charge = store.find('charges', id) as ChargeRecord | undefined;
      const data = store
        .all('refunds')
        .filter((refund) => refund.charge === charge?.id)
        .sort((a, b) => b._seq - a._seq)
        .map(toWire);
      return { object: 'list', data, has_more: false, url: `/v1/charges/${id}/refunds` };
    },
  },
};

function cannotExpand(path: string) {
  return invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

/** Applies `expand[]` paths (`latest_charge`, `data.customer`, `invoice_settings.default_payment_method`) to a wire object. */
export function applyExpand(store: Store, wire: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > 4) {
      throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: 'expand' });
    }
    expandPath(store, wire, segments, path);
  }
  return wire;
}

function expandPath(store: Store, node: Record<string, unknown>, segments: string[], path: string): void {
  const [head, ...rest] = segments;
  if (node.object === 'list' && head === 'data' && Array.isArray(node.data)) {
    if (rest.length === 0) throw cannotExpand(path);
    for (const item of node.data) expandPath(store, item as Record<string, unknown>, rest, path);
    return;
  }
  let value = node[head];
  const include = typeof node.object === 'string' ? INCLUDABLE[node.object]?.[head] : undefined;
  if (include && (value === undefined || value === null) && typeof node.id === 'string') {
    value = include(store, node.id);
    node[head] = value;
  } else if (typeof value === 'string') {
    const record = store.lookup(value);
    if (!record) throw cannotExpand(path);
    value = toWire(record);
    node[head] = value;
  } else if (value === null) {
    return;
  } else if (typeof value !== 'object' || value === undefined) {
    throw cannotExpand(path);
  }
  if (rest.length > 0) expandPath(store, value as Record<string, unknown>, rest, path);
}
