import { CarrierLookup, CarrierNumbers, CarrierPorting, isCarrierError } from '../carrier';
import { ApiError } from '../platform/errors';
import { NumberCarrier } from './carrier-port';

/** The carrier's numbers API (the simulator, or a real carrier behind the same interface) as the domain's port. */
export function numberCarrierFrom(carrier: CarrierNumbers & CarrierLookup & CarrierPorting): NumberCarrier {
  return {
    searchInventory: (search) => carrier.searchInventory({ ...search, features: search.features ? [...search.features] : undefined }),
    // The carrier answers null for a number taken (by anyone), in quarantine or unknown: not orderable here either.
    inventoryNumbers: async (phoneNumbers) => (await Promise.all(phoneNumbers.map((n) => carrier.getInventoryNumber(n)))).filter((n) => n !== null),
    orderNumbers: async (phoneNumbers, orderRef) => {
      try {
        return await carrier.orderNumbers(phoneNumbers, { orderRef });
      } catch (err) {
        // Retriable (down, or the answer was lost after the order took effect): resubmit with the same orderRef.
        if (isCarrierError(err) && err.retriable) throw new ApiError('upstream_error', `The carrier did not confirm the order: ${err.message}`);
        if (isCarrierError(err)) throw new ApiError('order_invalid', err.message);
        throw err;
      }
    },
    activationStatus: (upstreamOrderId, phoneNumber) => upstream('activation status', phoneNumber, 'phone_number', () => carrier.activationStatus(upstreamOrderId, phoneNumber)),
    onNumberEvent: (listener) => carrier.onNumberEvent((event) => listener(event)),
    releaseNumber: (phoneNumber) => carrier.releaseNumber(phoneNumber),
    lookup: (phoneNumber, type) => upstream('lookup', phoneNumber, 'phone_number', () => carrier.lookup(phoneNumber, type)),
    portabilityCheck: async (phoneNumbers) => {
      const answers = await upstream('portability check', phoneNumbers.join(', '), 'phone_numbers', () => carrier.portabilityCheck(phoneNumbers));
      // The network type decides the number type a ported number gets here; the carrier's lookup knows it.
      return Promise.all(
        answers.map(async (a) => ({ ...a, networkType: (await upstream('lookup', a.phoneNumber, 'phone_numbers', () => carrier.lookup(a.phoneNumber, 'carrier'))).networkType })),
      );
    },
    csrLookup: async (phoneNumber) => {
      try {
        return await upstream('CSR lookup', phoneNumber, 'phone_numbers', () => carrier.csrLookup(phoneNumber));
      } catch (err) {
        if (isCarrierError(err, 'porting_not_supported')) return null;
        throw err;
      }
    },
  };
}

/** A carrier call, its failures as the API's errors: an invalid number is the caller's, anything else upstream's. */
async function upstream<T>(what: string, phoneNumber: string, field: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isCarrierError(err, 'invalid_number')) throw new ApiError('invalid_request', `${phoneNumber} is not a valid E.164 number`, { field });
    if (isCarrierError(err, 'porting_not_supported')) throw err;
    if (isCarrierError(err)) throw new ApiError('upstream_error', `The carrier could not answer the ${what}; retry shortly`);
    throw err;
  }
}
