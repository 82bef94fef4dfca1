import { CarrierError, invalidNumber } from './errors';
import { parseE164, ParsedNumber } from './e164';
import { STREET_KINDS, STREET_WORDS } from './fictional-names';
import { fillPostalCode, LOCALITIES, localityOfNationalNumber } from './localities';
import { carrierOf, networkTypeOf } from './lookup';
import { createRng, digitsFrom, hash32, pickFrom, unitFrom } from './random';
import { accountName, subscriberOf } from './subscriber';
import { CustomerServiceRecord, InventoryCountry, PortabilityResult } from './types';

/**
 * Porting in, pre-flight only: can these numbers come to us, and what does the losing carrier's Customer Service
 * Record say (the gateway compares it with what the user submitted → csr_mismatch). Answers are a pure function of
 * the number, consistent with `lookup` (the losing carrier is the carrier a lookup names).
 *
 * Porting orders themselves (submit → FOC date → ported, over simulated business days, with rejections such as a
 * CSR mismatch from the losing carrier) are to come: they belong in porting-orders.ts as a `CarrierPortingOrders`
 * part with its own events, beside these checks, joined into `CarrierPorting` in carrier.ts.
 */

/** Numbers can only move to us where we operate. */
const PORTING_COUNTRIES: ReadonlySet<string> = new Set<InventoryCountry>(['US', 'CA', 'GB', 'DE', 'FR', 'AU']);

/** Share of numbers whose losing carrier refuses hosted porting. */
const NOT_SUPPORTED_SHARE = 0.12;
/** Share of portable NANP numbers simple enough for a same-day fast port. */
const FAST_PORT_SHARE = 0.6;

function parseOrThrow(phoneNumber: string): ParsedNumber {
  const parsed = parseE164(phoneNumber);
  if (!parsed) throw invalidNumber(phoneNumber);
  return parsed;
}

export function portabilityOf(phoneNumber: string): PortabilityResult {
  const parsed = parseOrThrow(phoneNumber);
  const networkType = networkTypeOf(parsed);
  const { carrierName: losingCarrier } = carrierOf(parsed, networkType);
  const base = { phoneNumber: parsed.e164, countryCode: parsed.countryCode, losingCarrier };
  if (!PORTING_COUNTRIES.has(parsed.countryCode)) return { ...base, portable: false, reason: 'country_not_supported', fastPortable: false };
  if (unitFrom('portable', parsed.e164) < NOT_SUPPORTED_SHARE) return { ...base, portable: false, reason: 'porting_not_supported', fastPortable: false };
  const fastPortable = parsed.callingCode === '1' && networkType !== 'toll_free' && unitFrom('fast-port', parsed.e164) < FAST_PORT_SHARE;
  return { ...base, portable: true, fastPortable };
}

/** The CSR exists exactly for the numbers `portabilityOf` calls portable; the others throw porting_not_supported. */
export function csrOf(phoneNumber: string): CustomerServiceRecord {
  const portability = portabilityOf(phoneNumber);
  if (!portability.portable) {
    throw new CarrierError('porting_not_supported', `${phoneNumber}: no CSR available (${portability.reason})`, { phoneNumber });
  }
  const parsed = parseOrThrow(phoneNumber);
  const countryCode = parsed.countryCode as InventoryCountry;
  const key = parsed.e164;
  // The billing address is in the number's city when its area code says which; mobile and non-geographic numbers
  // are billed anywhere in the country.
  const locality =
    localityOfNationalNumber(countryCode, parsed.nationalNumber, unitFrom('csr-locality', key)) ?? pickFrom(LOCALITIES[countryCode], 'csr-locality', key);
  const rng = createRng(hash32('csr-postal', key));
  return {
    phoneNumber: parsed.e164,
    accountNumber: digitsFrom(unitFrom('csr-account-length', key) < 0.5 ? 9 : 10, 'csr-account', key),
    name: accountName(subscriberOf(parsed, networkTypeOf(parsed)), countryCode),
    addressLine: addressLine(countryCode, key),
    locality: locality.name,
    region: locality.region,
    postalCode: fillPostalCode(countryCode, pickFrom(locality.postalCodes, 'csr-postal-shape', key), rng.next),
    countryCode,
    losingCarrier: portability.losingCarrier,
  };
}

/** A street address in the country's own order: "1842 Juniper Ave", "Lindenstraße 14", "12 rue des Lilas". */
function addressLine(countryCode: InventoryCountry, key: string): string {
  const street = pickFrom(STREET_WORDS[countryCode], 'csr-street', key);
  const u = unitFrom('csr-house-number', key);
  switch (countryCode) {
    case 'DE':
      return `${street}straße ${1 + Math.floor(u * 120)}`;
    case 'FR':
      return `${1 + Math.floor(u * 90)} rue ${street}`;
    case 'US':
      return `${100 + Math.floor(u * 9800)} ${street} ${pickFrom(STREET_KINDS.US, 'csr-street-kind', key)}`;
    default:
      return `${1 + Math.floor(u * 250)} ${street} ${pickFrom(STREET_KINDS[countryCode], 'csr-street-kind', key)}`;
  }
}
