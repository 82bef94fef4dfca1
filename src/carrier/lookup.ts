import { invalidNumber } from './errors';
import { parseE164, ParsedNumber } from './e164';
import { CARRIER_NAMES } from './fictional-names';
import { isNanpTollFree } from './nanp';
import { blockOfNationalNumber } from './number-blocks';
import { pickFrom, unitFrom } from './random';
import { cnamName, subscriberOf } from './subscriber';
import { CallerNameLookupResult, CarrierLookupResult, NetworkType, NumberType } from './types';

/**
 * Carrier and caller-name (CNAM) lookups for any valid number, ours or not. Answers are a pure function of the
 * number (not of the seed), so a test can rely on what a given number looks up as, whatever the simulator's seed.
 */

/** National-number prefixes by which a country's plan marks mobile and freephone ranges. */
const PLAN_PREFIXES: Readonly<Record<string, { mobile?: readonly string[]; tollFree?: readonly string[]; voip?: readonly string[] }>> = {
  GB: { mobile: ['71', '72', '73', '74', '75', '77', '78', '79'], tollFree: ['800', '808'], voip: ['3', '56'] },
  DE: { mobile: ['15', '16', '17'], tollFree: ['800'], voip: ['32'] },
  FR: { mobile: ['6', '7'], tollFree: ['80'], voip: ['9'] },
  AU: { mobile: ['4'], tollFree: ['1800'], voip: ['13'] },
  ES: { mobile: ['6', '7'], tollFree: ['900'] },
  IT: { mobile: ['3'], tollFree: ['800'] },
  NL: { mobile: ['6'], tollFree: ['800'] },
  BE: { mobile: ['4'], tollFree: ['800'] },
  CH: { mobile: ['75', '76', '77', '78', '79'], tollFree: ['800'] },
  AT: { mobile: ['6'], tollFree: ['800'] },
  IE: { mobile: ['8'], tollFree: ['1800'] },
  PT: { mobile: ['9'], tollFree: ['800'] },
  IN: { mobile: ['6', '7', '8', '9'], tollFree: ['1800'] },
  CN: { mobile: ['1'], tollFree: ['800', '400'] },
  JP: { mobile: ['70', '80', '90'], tollFree: ['120', '800'], voip: ['50'] },
  RU: { mobile: ['9'], tollFree: ['800'] },
  KZ: { mobile: ['70', '77'], tollFree: ['800'] },
  NG: { mobile: ['70', '80', '81', '90', '91'] },
  ZA: { mobile: ['6', '7', '8'], tollFree: ['800'] },
  NZ: { mobile: ['2'], tollFree: ['800', '508'] },
};

const NETWORK_OF_TYPE: Readonly<Record<NumberType, NetworkType>> = { local: 'voip', national: 'voip', mobile: 'mobile', toll_free: 'toll_free' };

/** The kind of network a number is on: by the numbering plan where it tells, else a stable draw. */
export function networkTypeOf(parsed: ParsedNumber): NetworkType {
  const { countryCode, nationalNumber, e164 } = parsed;
  // The carrier's own ranges are DIDs on its VoIP network (toll-free and mobile ranges excepted).
  const block = blockOfNationalNumber(countryCode, nationalNumber);
  if (block) return NETWORK_OF_TYPE[block.numberType];
  const u = unitFrom('network-type', e164);
  if (parsed.callingCode === '1') {
    if (isNanpTollFree(nationalNumber)) return 'toll_free';
    // NANP mixes mobile and fixed numbers in the same area codes: only a lookup can tell, so draw.
    return u < 0.55 ? 'mobile' : u < 0.88 ? 'landline' : 'voip';
  }
  const plan = PLAN_PREFIXES[countryCode];
  const starts = (prefixes?: readonly string[]) => prefixes?.some((p) => nationalNumber.startsWith(p)) ?? false;
  if (starts(plan?.tollFree)) return 'toll_free';
  if (starts(plan?.mobile)) return 'mobile';
  if (starts(plan?.voip)) return 'voip';
  if (!plan) return u < 0.6 ? 'mobile' : u < 0.9 ? 'landline' : 'voip';
  return u < 0.85 ? 'landline' : 'voip';
}

/** The carrier a number is with today (the porting "losing carrier" too). */
export function carrierOf(parsed: ParsedNumber, networkType: NetworkType = networkTypeOf(parsed)): { carrierName: string; ported: boolean } {
  const names = (CARRIER_NAMES[parsed.countryCode] ?? CARRIER_NAMES.default)[networkType];
  // Ported numbers moved away from their range holder, so they answer a different draw of the names.
  const ported = networkType !== 'toll_free' && unitFrom('ported', parsed.e164) < (networkType === 'mobile' ? 0.18 : 0.08);
  return { carrierName: pickFrom(names, 'carrier', parsed.e164, ported ? 'ported' : 'original'), ported };
}

export function carrierLookup(phoneNumber: string): CarrierLookupResult {
  const parsed = parseE164(phoneNumber);
  if (!parsed) throw invalidNumber(phoneNumber);
  const networkType = networkTypeOf(parsed);
  return { phoneNumber: parsed.e164, countryCode: parsed.countryCode, networkType, ...carrierOf(parsed, networkType) };
}

/**
 * CNAM: upper case, at most 15 characters, as the databases hold it. Listed mostly in NANP (elsewhere caller-name
 * databases are rare); never for the carrier's own ranges, whose subscriber (the gateway's tenant) sets its own.
 */
export function callerNameLookup(phoneNumber: string): CallerNameLookupResult {
  const parsed = parseE164(phoneNumber);
  if (!parsed) throw invalidNumber(phoneNumber);
  if (blockOfNationalNumber(parsed.countryCode, parsed.nationalNumber)) return { phoneNumber: parsed.e164, callerName: null };
  const networkType = networkTypeOf(parsed);
  const listed = parsed.callingCode === '1' ? { landline: 0.75, voip: 0.6, mobile: 0.35, toll_free: 0.85 }[networkType] : 0.15;
  if (unitFrom('cnam-listed', parsed.e164) >= listed) return { phoneNumber: parsed.e164, callerName: null };
  return { phoneNumber: parsed.e164, callerName: cnamName(subscriberOf(parsed, networkType)) };
}
