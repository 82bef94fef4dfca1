import { matchCallingCode, NATIONAL_NUMBER_LENGTHS, TRUNK_ZERO_COUNTRIES } from './calling-codes';
import { nanpCountry } from './nanp';

export interface ParsedNumber {
  /** The input, which was already canonical E.164 (parsing never reformats). */
  e164: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  /** The country calling code, without "+": "1", "44", "7". */
  callingCode: string;
  /** The digits after the calling code. */
  nationalNumber: string;
}

/** "+", a non-zero digit, then 7–14 more digits: 8–15 digits in all. No spaces, dashes or brackets. */
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * Strict E.164 → country. Null when the text isn't E.164, the calling code isn't one we know, or the national
 * number has an impossible length for its country. NANP numbers are placed by area code (unknown ones → US).
 * It checks shape, not whether a number is in service.
 */
export function parseE164(value: unknown): ParsedNumber | null {
  if (typeof value !== 'string' || !E164.test(value)) return null;
  const digits = value.slice(1);

  if (digits.startsWith('1')) {
    const nationalNumber = digits.slice(1);
    const countryCode = nanpCountry(nationalNumber);
    return countryCode ? { e164: value, countryCode, callingCode: '1', nationalNumber } : null;
  }

  const match = matchCallingCode(digits);
  if (!match) return null;
  const nationalNumber = digits.slice(match.callingCode.length);
  const lengths = NATIONAL_NUMBER_LENGTHS[match.countryCode];
  if (lengths && (nationalNumber.length < lengths[0] || nationalNumber.length > lengths[1])) return null;
  if (nationalNumber.startsWith('0') && TRUNK_ZERO_COUNTRIES.has(match.countryCode)) return null;
  return { e164: value, countryCode: match.countryCode, callingCode: match.callingCode, nationalNumber };
}

export function isE164(value: unknown): value is string {
  return parseE164(value) !== null;
}
