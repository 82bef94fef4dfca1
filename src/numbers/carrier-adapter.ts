import type { CarrierNumbers } from '../carrier';
import { NumberCarrier } from './carrier-port';

/** The carrier's numbers API (the simulator, or a real carrier behind the same interface) as the domain's port. */
export function numberCarrierFrom(carrier: CarrierNumbers): NumberCarrier {
  return {
    searchInventory: (search) => carrier.searchInventory({ ...search, features: search.features ? [...search.features] : undefined }),
    // The carrier answers null for a number taken (by anyone), in quarantine or unknown: not orderable here either.
    inventoryNumbers: async (phoneNumbers) => (await Promise.all(phoneNumbers.map((n) => carrier.getInventoryNumber(n)))).filter((n) => n !== null),
    orderNumbers: (phoneNumbers, orderRef) => carrier.orderNumbers(phoneNumbers, { orderRef }),
    onNumberEvent: (listener) => carrier.onNumberEvent((event) => listener(event)),
    releaseNumber: (phoneNumber) => carrier.releaseNumber(phoneNumber),
  };
}
