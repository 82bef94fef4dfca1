import { invalidRequest } from '../platform/errors';

// What makes an emergency address routable: a PSAP is chosen from the state/province and postal code, so those
// must be real codes of the country, and the street line must be there. Only US and CA are served.

const US_STATES = new Set(
  ('AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT ' +
    'VT VA WA WV WI WY AS GU MP PR VI').split(' '),
);
const CA_PROVINCES = new Set('AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(' '));

export interface EmergencyAddressInput {
  streetAddress: string;
  extendedAddress?: string | null;
  locality: string;
  administrativeArea: string;
  postalCode: string;
  countryCode: string;
}

export type CleanEmergencyAddress = Required<{ [K in keyof EmergencyAddressInput]: K extends 'extendedAddress' ? string | null : string }>;

function text(value: unknown, field: string, max: number): string {
  const trimmed = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : '';
  if (!trimmed) throw invalidRequest(`${field} is required`, field);
  if (trimmed.length > max) throw invalidRequest(`${field} is at most ${max} characters`, field);
  return trimmed;
}

/** Validates and normalises (upper-case codes, single spaces, `A1A 1A1` Canadian postal codes). */
export function validEmergencyAddress(input: EmergencyAddressInput): CleanEmergencyAddress {
  const countryCode = text(input.countryCode, 'country_code', 2).toUpperCase();
  if (countryCode !== 'US' && countryCode !== 'CA') throw invalidRequest('country_code must be US or CA: emergency addresses serve US and Canadian numbers', 'country_code');
  const streetAddress = text(input.streetAddress, 'street_address', 200);
  if (!/\d/.test(streetAddress)) throw invalidRequest('street_address must include a house or building number', 'street_address');
  const extendedAddress = input.extendedAddress == null || input.extendedAddress.trim() === '' ? null : text(input.extendedAddress, 'extended_address', 100);
  const locality = text(input.locality, 'locality', 100);
  const administrativeArea = text(input.administrativeArea, 'administrative_area', 2).toUpperCase();
  const areas = countryCode === 'US' ? US_STATES : CA_PROVINCES;
  if (!areas.has(administrativeArea)) {
    throw invalidRequest(`administrative_area must be a ${countryCode === 'US' ? 'US state' : 'Canadian province or territory'} code (e.g. ${countryCode === 'US' ? 'TX' : 'ON'})`, 'administrative_area');
  }
  let postalCode = text(input.postalCode, 'postal_code', 10).toUpperCase();
  if (countryCode === 'US') {
    if (!/^\d{5}(-\d{4})?$/.test(postalCode)) throw invalidRequest('postal_code must be a US ZIP code (12345 or 12345-6789)', 'postal_code');
  } else {
    const m = /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$/.exec(postalCode);
    if (!m) throw invalidRequest('postal_code must be a Canadian postal code (A1A 1A1)', 'postal_code');
    postalCode = `${m[1]} ${m[2]}`;
  }
  return { streetAddress, extendedAddress, locality, administrativeArea, postalCode, countryCode };
}
