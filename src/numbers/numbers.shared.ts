import { invalidRequest } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { NumberCarrier } from './carrier-port';

export const MAX_NUMBERS_PER_REQUEST = 100;

export function requireCarrier(deps: ServiceDeps): NumberCarrier {
  if (!deps.carrier) throw new Error('the carrier is not configured in this context');
  return deps.carrier;
}

/** A non-empty list of distinct E.164 numbers (duplicates collapse), at most 100. */
export function validPhoneNumbers(phoneNumbers: string[]): string[] {
  if (!Array.isArray(phoneNumbers) || phoneNumbers.length === 0) throw invalidRequest('phone_numbers must list at least one number', 'phone_numbers');
  if (phoneNumbers.length > MAX_NUMBERS_PER_REQUEST) throw invalidRequest(`phone_numbers lists at most ${MAX_NUMBERS_PER_REQUEST} numbers`, 'phone_numbers');
  for (const n of phoneNumbers) {
    if (typeof n !== 'string' || !/^\+[1-9]\d{6,14}$/.test(n)) throw invalidRequest(`${String(n)} is not an E.164 number (+ and 7 to 15 digits)`, 'phone_numbers');
  }
  return [...new Set(phoneNumbers)];
}
