import { findLocality, Locality, LOCALITIES } from './localities';
import { NANP_TOLL_FREE_NPAS } from './nanp';
import { CarrierCost, InventoryCountry, NumberType } from './types';

/**
 * The ranges the carrier's stock is drawn from. Wherever a regulator sets numbers aside for fiction they are used,
 * so a demo can never ring a real person:
 *   US/CA local   NPA 555-0100…0199 (NANP's fiction range), in each city's real area codes
 *   US/CA toll-free  8XX 555-0100…0149 (US) and 8XX 555-0150…0199 (CA): the same style, split so each number has
 *                 one country
 *   GB            Ofcom's drama ranges: 020 7946 0xxx, 0161/0121/0131/… 496 0xxx, 0191 498 0xxx, 029 2018 0xxx,
 *                 028 9649 6xxx, 0306 999 0xxx (national), 07700 900xxx (mobile)
 *   FR            ARCEP's fiction ranges: 01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49, 06 39 98, 09 77 42
 *   AU            ACMA's: 0X 5550 xxxx and 0X 7010 xxxx (geographic), 0491 57x xxx (mobile); 1300 975 xxx national
 *   DE            no official fiction ranges: plausible "5550" blocks in real area codes and mobile prefixes
 */
export interface NumberBlock {
  /** Stable identity: it seeds this block's draw, so adding a block never reshuffles the others. */
  key: string;
  countryCode: InventoryCountry;
  numberType: NumberType;
  /** Null for non-geographic numbers. */
  locality: Locality | null;
  ndc: string;
  /** Digits between the NDC and the drawn tail. */
  fixed: string;
  /** The tail: `digits` wide, drawn from [from, to]. */
  tail: { digits: number; from: number; to: number };
  /** How many numbers of the range the carrier stocks. */
  count: number;
  /** Tails stocked whatever the seed (part of `count`), so documentation examples such as +15125550100 work. */
  pinned?: readonly number[];
}

/** What one product (country × type) costs the gateway, and how likely each optional capability is. */
export interface Product {
  cost: CarrierCost;
  /** Probability of sms; mms only ever comes with sms, with probability `mms` given sms. */
  sms: number;
  mms: number;
  fax: number;
}

export const PRODUCTS: Readonly<Record<InventoryCountry, Partial<Record<NumberType, Product>>>> = {
  US: {
    local: product(25, 60, { sms: 0.88, mms: 0.6, fax: 0.15 }),
    toll_free: product(50, 110, { sms: 0.5, mms: 0, fax: 0.1 }),
  },
  CA: {
    local: product(25, 75, { sms: 0.85, mms: 0.5, fax: 0.15 }),
    toll_free: product(50, 130, { sms: 0.4, mms: 0, fax: 0.1 }),
  },
  GB: {
    local: product(50, 90, { sms: 0.1, mms: 0, fax: 0.2 }),
    national: product(50, 110, { sms: 0, mms: 0, fax: 0.1 }),
    mobile: product(100, 160, { sms: 1, mms: 0.5, fax: 0 }),
  },
  DE: {
    local: product(60, 100, { sms: 0, mms: 0, fax: 0.35 }),
    national: product(60, 120, { sms: 0, mms: 0, fax: 0.2 }),
    mobile: product(150, 220, { sms: 1, mms: 0.4, fax: 0 }),
  },
  FR: {
    local: product(50, 95, { sms: 0, mms: 0, fax: 0.25 }),
    national: product(50, 110, { sms: 0, mms: 0, fax: 0.1 }),
    mobile: product(150, 200, { sms: 1, mms: 0.5, fax: 0 }),
  },
  AU: {
    local: product(80, 140, { sms: 0.05, mms: 0, fax: 0.15 }),
    national: product(150, 300, { sms: 0, mms: 0, fax: 0.05 }),
    mobile: product(200, 350, { sms: 1, mms: 0.5, fax: 0 }),
  },
};

function product(activationCents: number, monthlyCents: number, odds: Omit<Product, 'cost'>): Product {
  return { cost: Object.freeze({ activationCents, monthlyCents }), ...odds };
}

const tail = (digits: number, from = 0, to = 10 ** digits - 1) => ({ digits, from, to });

function geographic(countryCode: InventoryCountry, city: string, ndc: string, fixed: string, t: NumberBlock['tail'], count: number, pinned?: number[]): NumberBlock {
  return { key: `${countryCode}:local:${city}:${ndc}${fixed}`, countryCode, numberType: 'local', locality: findLocality(countryCode, city), ndc, fixed, tail: t, count, pinned };
}

function nonGeographic(countryCode: InventoryCountry, numberType: NumberType, ndc: string, fixed: string, t: NumberBlock['tail'], count: number, pinned?: number[]): NumberBlock {
  return { key: `${countryCode}:${numberType}:${ndc}${fixed}:${t.from}`, countryCode, numberType, locality: null, ndc, fixed, tail: t, count, pinned };
}

/** Every area code of every listed NANP city: NPA 555-01XX, 40 (US) or 30 (CA) of the 100; -0100 and -0101 always. */
const nanpLocal = (countryCode: 'US' | 'CA', count: number): NumberBlock[] =>
  LOCALITIES[countryCode].flatMap((l) => l.ndcs.map((npa) => geographic(countryCode, l.name, npa, '55501', tail(2), count, [0, 1])));

/** 8XX 555-0100…0149 are US stock (-0100 always), 0150…0199 Canadian. */
const nanpTollFree = (countryCode: 'US' | 'CA', count: number): NumberBlock[] =>
  NANP_TOLL_FREE_NPAS.map((npa) =>
    countryCode === 'US'
      ? nonGeographic('US', 'toll_free', npa, '5550', tail(3, 100, 149), count, [100])
      : nonGeographic('CA', 'toll_free', npa, '5550', tail(3, 150, 199), count),
  );

const GB_DRAMA: Array<[city: string, ndc: string, fixed: string]> = [
  ['London', '20', '79460'], ['Manchester', '161', '4960'], ['Birmingham', '121', '4960'], ['Edinburgh', '131', '4960'],
  ['Glasgow', '141', '4960'], ['Leeds', '113', '4960'], ['Sheffield', '114', '4960'], ['Nottingham', '115', '4960'],
  ['Leicester', '116', '4960'], ['Bristol', '117', '4960'], ['Reading', '118', '4960'], ['Liverpool', '151', '4960'],
  ['Newcastle upon Tyne', '191', '4980'], ['Cardiff', '29', '20180'], ['Belfast', '28', '96496'],
];

export const NUMBER_BLOCKS: readonly NumberBlock[] = [
  ...nanpLocal('US', 40),
  ...nanpTollFree('US', 30),
  ...nanpLocal('CA', 30),
  ...nanpTollFree('CA', 10),

  ...GB_DRAMA.map(([city, ndc, fixed]) => geographic('GB', city, ndc, fixed, tail(3), 50)),
  nonGeographic('GB', 'national', '306', '9990', tail(3), 60),
  nonGeographic('GB', 'mobile', '7700', '900', tail(3), 150),

  ...LOCALITIES.DE.map((l) => geographic('DE', l.name, l.ndcs[0], '5550', tail(4), 50)),
  nonGeographic('DE', 'national', '32', '215550', tail(3), 60),
  ...['151', '160', '170', '176'].map((ndc) => nonGeographic('DE', 'mobile', ndc, '5550', tail(4), 40)),

  geographic('FR', 'Paris', '1', '9900', tail(4), 60),
  geographic('FR', 'Lyon', '4', '6571', tail(4, 0, 4999), 50),
  geographic('FR', 'Marseille', '4', '6571', tail(4, 5000, 9999), 50),
  geographic('FR', 'Lille', '3', '5301', tail(4), 50),
  geographic('FR', 'Nantes', '2', '6191', tail(4), 50),
  geographic('FR', 'Bordeaux', '5', '3649', tail(4, 0, 4999), 50),
  geographic('FR', 'Toulouse', '5', '3649', tail(4, 5000, 9999), 50),
  nonGeographic('FR', 'national', '9', '7742', tail(4), 60),
  nonGeographic('FR', 'mobile', '6', '3998', tail(4), 80),
  nonGeographic('FR', 'mobile', '7', '5550', tail(4), 40),

  geographic('AU', 'Sydney', '2', '5550', tail(4), 60),
  geographic('AU', 'Canberra', '2', '7010', tail(4), 40),
  geographic('AU', 'Melbourne', '3', '5550', tail(4), 60),
  geographic('AU', 'Hobart', '3', '7010', tail(4), 30),
  geographic('AU', 'Brisbane', '7', '5550', tail(4), 50),
  geographic('AU', 'Perth', '8', '5550', tail(4), 50),
  geographic('AU', 'Adelaide', '8', '7010', tail(4), 40),
  nonGeographic('AU', 'national', '1300', '975', tail(3), 40),
  nonGeographic('AU', 'mobile', '4', '9157', tail(4), 150),
];

/** The catalogue block whose range holds a national number (whether or not this seed stocked that number). */
export function blockOfNationalNumber(countryCode: string, nationalNumber: string): NumberBlock | null {
  for (const block of NUMBER_BLOCKS) {
    if (block.countryCode !== countryCode && !(block.numberType === 'toll_free' && countryCode === 'US')) continue;
    const head = block.ndc + block.fixed;
    if (!nationalNumber.startsWith(head) || nationalNumber.length !== head.length + block.tail.digits) continue;
    const t = Number(nationalNumber.slice(head.length));
    if (t >= block.tail.from && t <= block.tail.to) return block;
  }
  return null;
}
