import { CarrierLookup, CarrierNumbers, isCarrierError } from '../carrier';
import { ApiError } from '../platform/errors';
import { NumberCarrier } from './carrier-port';

/** The carrier's numbers API (the simulator, or a real carrier behind the same interface) as the domain's port. */
export function numberCarrierFrom(carrier: CarrierNumbers & CarrierLookup): NumberCarrier {
  return {
    searchInventory: (search) => carrier.searchInventory({ ...search, features: search.features ? [...search.features] : undefined }),
    // The carrier answers null for a number taken (by anyone), in quarantine or unknown: not orderable here either.
    inventoryNumbers: async (phoneNumbers) => (await Promise.all(phoneNumbers.map((n) => carrier.getInventoryNumber(n)))).filter((n) => n !== null),
    orderNumbers: (phoneNumbers, orderRef) => carrier.orderNumbers(phoneNumbers, { orderRef }),
    onNumberEvent: (listener) => carrier.onNumberEvent((event) => listener(event)),
    releaseNumber: (phoneNumber) => carrier.releaseNumber(phoneNumber),
    lookup: async (phoneNumber, type) => {
      try {
        return await carrier.lookup(phoneNumber, type);
      } catch (err) {
        if (isCarrierError(err, 'invalid_number')) throw new ApiError('invalid_request', `${phoneNumber} is not a valid E.164 number`, { field: 'phone_number' });
        if (isCarrierError(err)) throw new ApiError('upstream_error', 'The carrier could not answer the lookup; retry shortly');
        throw err;
      }
    },
  };
}
