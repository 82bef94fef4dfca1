import { NUMBER_BLOCKS, NumberBlock, PRODUCTS } from './number-blocks';
import { createRng, hash32, Rng } from './random';
import { Capability, InventoryCountry, InventoryNumber, InventorySearch } from './types';

/**
 * The carrier's stock, drawn once from the seed: for every block, `count` distinct numbers of its range and their
 * capabilities. Same seed → same numbers in the same order; another seed → another selection of the same ranges.
 * Order: block order (country, then type and city as listed in number-blocks.ts), then ascending number.
 */
export function generateInventory(seed: string): InventoryNumber[] {
  const out: InventoryNumber[] = [];
  for (const block of NUMBER_BLOCKS) {
    const rng = createRng(hash32(seed, 'inventory', block.key));
    for (const t of sample(rng, block.tail.from, block.tail.to, block.count, block.pinned ?? [])) out.push(numberOf(block, t, rng));
  }
  return out;
}

/**
 * `count` distinct integers of [from, to], ascending, always including `pinned`. The rest is Floyd's sampling (one
 * draw per number, no retries) over the range with the pinned values taken out.
 */
function sample(rng: Rng, from: number, to: number, count: number, pinned: readonly number[]): number[] {
  const pins = [...new Set(pinned)].filter((p) => p >= from && p <= to).sort((a, b) => a - b);
  const size = to - from + 1 - pins.length;
  const picked = new Set<number>();
  for (let j = size - Math.min(Math.max(count - pins.length, 0), size); j < size; j++) {
    const t = rng.int(0, j);
    picked.add(picked.has(t) ? j : t);
  }
  const values = [...picked].map((t) => {
    // The t-th value of the range once the pins are taken out.
    let v = from + t;
    for (const p of pins) if (p <= v) v++;
    return v;
  });
  return [...values, ...pins].sort((a, b) => a - b);
}

function numberOf(block: NumberBlock, t: number, rng: Rng): InventoryNumber {
  const product = PRODUCTS[block.countryCode][block.numberType];
  if (!product) throw new Error(`no product for ${block.countryCode} ${block.numberType}`);
  const capabilities: Capability[] = ['voice'];
  const sms = rng.chance(product.sms);
  if (sms) capabilities.push('sms');
  if (sms && rng.chance(product.mms)) capabilities.push('mms');
  if (rng.chance(product.fax)) capabilities.push('fax');
  const callingCode = block.countryCode === 'US' || block.countryCode === 'CA' ? '1' : CALLING_CODE[block.countryCode];
  return Object.freeze({
    phoneNumber: `+${callingCode}${block.ndc}${block.fixed}${String(t).padStart(block.tail.digits, '0')}`,
    countryCode: block.countryCode,
    numberType: block.numberType,
    region: block.locality?.region ?? null,
    locality: block.locality?.name ?? null,
    nationalDestinationCode: block.ndc,
    capabilities: Object.freeze(capabilities),
    carrierCost: product.cost,
  });
}

const CALLING_CODE: Readonly<Record<InventoryCountry, string>> = { US: '1', CA: '1', GB: '44', DE: '49', FR: '33', AU: '61' };

/** The stock, indexed for lookups by number; availability is the lifecycle's business, passed in as a predicate. */
export class InventoryCatalogue {
  private readonly byNumber: ReadonlyMap<string, InventoryNumber>;

  constructor(readonly numbers: readonly InventoryNumber[]) {
    Object.freeze(numbers);
    this.byNumber = new Map(numbers.map((n) => [n.phoneNumber, n]));
  }

  get(phoneNumber: string): InventoryNumber | null {
    return this.byNumber.get(phoneNumber) ?? null;
  }

  search(query: InventorySearch, isAvailable: (phoneNumber: string) => boolean): InventoryNumber[] {
    if (!Number.isInteger(query.limit) || query.limit < 1) throw new RangeError(`limit must be a positive whole number, got ${query.limit}`);
    const country = query.countryCode.toUpperCase();
    const nanp = country === 'US' || country === 'CA';
    const ndc = query.nationalDestinationCode === undefined ? undefined : normalizeNdc(query.nationalDestinationCode, nanp);
    const locality = query.locality === undefined ? undefined : fold(query.locality);
    const features = query.features ?? [];
    const out: InventoryNumber[] = [];
    for (const n of this.numbers) {
      if (n.countryCode !== country) continue;
      if (query.numberType && n.numberType !== query.numberType) continue;
      if (ndc !== undefined && n.nationalDestinationCode !== ndc) continue;
      if (locality !== undefined && (n.locality === null || fold(n.locality) !== locality)) continue;
      if (!features.every((f) => n.capabilities.includes(f))) continue;
      if (query.exclude?.has(n.phoneNumber) || !isAvailable(n.phoneNumber)) continue;
      out.push(n);
      if (out.length === query.limit) break;
    }
    return out;
  }
}

/** People type area codes as they dial them: "020", "(512)", "0 30". */
function normalizeNdc(value: string, nanp: boolean): string {
  const digits = value.replace(/\D/g, '');
  return nanp ? digits : digits.replace(/^0/, '');
}

/** Case- and accent-insensitive form, so "montréal", "Montreal" and "MONTREAL" match. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}
