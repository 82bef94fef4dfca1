import { ParsedNumber } from './e164';
import { BUSINESS_KINDS, BUSINESS_SUFFIX, BUSINESS_WORDS, FIRST_NAMES, LAST_NAMES } from './fictional-names';
import { pickFrom, unitFrom } from './random';
import { NetworkType } from './types';

/**
 * Who holds a number (outside the carrier's own ranges): one invented person or business per number, so the
 * caller-name lookup and the porting CSR of the same number tell the same story.
 */
export type Subscriber =
  | { kind: 'person'; firstName: string; lastName: string }
  | { kind: 'business'; tradingName: string };

export function subscriberOf(parsed: ParsedNumber, networkType: NetworkType): Subscriber {
  const key = parsed.e164;
  if (networkType === 'toll_free' || unitFrom('subscriber-business', key) < (networkType === 'mobile' ? 0.15 : 0.45)) {
    return { kind: 'business', tradingName: `${pickFrom(BUSINESS_WORDS, 'subscriber-word', key)} ${pickFrom(BUSINESS_KINDS, 'subscriber-kind', key)}` };
  }
  return { kind: 'person', firstName: pickFrom(FIRST_NAMES, 'subscriber-first', key), lastName: pickFrom(LAST_NAMES, 'subscriber-last', key) };
}

/** The account holder's name as a CSR shows it: "Maria Alvarez", "Copperleaf Bakery LLC". */
export function accountName(subscriber: Subscriber, countryCode: string): string {
  if (subscriber.kind === 'person') return `${subscriber.firstName} ${subscriber.lastName}`;
  const suffix = BUSINESS_SUFFIX[countryCode];
  return suffix ? `${subscriber.tradingName} ${suffix}` : subscriber.tradingName;
}

/** CNAM form: "ALVAREZ MARIA", "COPPERLEAF BAKE" (upper case, no accents, at most 15 characters). */
export function cnamName(subscriber: Subscriber): string {
  const name = subscriber.kind === 'person' ? `${subscriber.lastName} ${subscriber.firstName}` : subscriber.tradingName;
  return name.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().slice(0, 15).trim();
}
