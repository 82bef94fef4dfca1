import { resourceMissing } from './errors';
import { CustomerRecord } from './records';
import { Store } from './store';

/** A customer that exists and isn't deleted; Stripe answers "No such customer" for both. */
export function liveCustomer(store: Store, id: string, param = 'customer'): CustomerRecord {
  const customer = store.find('customers', id);
  if (!customer || customer._deleted) throw resourceMissing('customers', id, param);
  return customer;
}

export function addressFrom(params: { string(name: string): string | undefined } | undefined) {
  if (!params) return null;
  return {
    city: params.string('city') ?? null,
    country: params.string('country') ?? null,
    line1: params.string('line1') ?? null,
    line2: params.string('line2') ?? null,
    postal_code: params.string('postal_code') ?? null,
    state: params.string('state') ?? null,
  };
}
