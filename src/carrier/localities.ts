import { InventoryCountry } from './types';

/**
 * Cities the carrier serves, with their real area codes. The inventory draws its geographic numbers from these;
 * lookups and CSRs use them to place any number whose area code is listed.
 */
export interface Locality {
  countryCode: InventoryCountry;
  name: string;
  region: string;
  /** Area codes in E.164 form (no trunk "0"). */
  ndcs: readonly string[];
  /** Postal code shape: "#" is a digit, "@" a letter of the country's postal alphabet; one is picked per record. */
  postalCodes: readonly string[];
}

type Row = [name: string, region: string, ndcs: string[], postalCodes: string[]];

function table(countryCode: InventoryCountry, rows: Row[]): Locality[] {
  return rows.map(([name, region, ndcs, postalCodes]) => ({ countryCode, name, region, ndcs, postalCodes }));
}

const US = table('US', [
  ['New York', 'NY', ['212', '646'], ['100##']],
  ['Austin', 'TX', ['512', '737'], ['787##']],
  ['San Francisco', 'CA', ['415', '628'], ['941##']],
  ['Los Angeles', 'CA', ['213', '323', '310'], ['900##']],
  ['Chicago', 'IL', ['312', '773'], ['606##']],
  ['Seattle', 'WA', ['206'], ['981##']],
  ['Miami', 'FL', ['305', '786'], ['331##']],
  ['Denver', 'CO', ['303', '720'], ['802##']],
  ['Boston', 'MA', ['617', '857'], ['021##']],
  ['Atlanta', 'GA', ['404', '470'], ['303##']],
  ['Dallas', 'TX', ['214', '469'], ['752##']],
  ['Houston', 'TX', ['713', '832'], ['770##']],
  ['Phoenix', 'AZ', ['602'], ['850##']],
  ['Portland', 'OR', ['503', '971'], ['972##']],
  ['Washington', 'DC', ['202'], ['200##']],
  ['Philadelphia', 'PA', ['215', '267'], ['191##']],
]);

const CA = table('CA', [
  ['Toronto', 'ON', ['416', '647', '437'], ['M#@ #@#']],
  ['Vancouver', 'BC', ['604', '778'], ['V#@ #@#']],
  ['Montreal', 'QC', ['514', '438'], ['H#@ #@#']],
  ['Calgary', 'AB', ['403', '587'], ['T#@ #@#']],
  ['Ottawa', 'ON', ['613', '343'], ['K#@ #@#']],
  ['Edmonton', 'AB', ['780'], ['T#@ #@#']],
]);

const GB = table('GB', [
  ['London', 'London', ['20'], ['EC1A #@@', 'SW1A #@@', 'SE1 #@@', 'N1 #@@', 'W1D #@@']],
  ['Manchester', 'North West', ['161'], ['M1 #@@', 'M4 #@@']],
  ['Birmingham', 'West Midlands', ['121'], ['B1 #@@', 'B3 #@@']],
  ['Edinburgh', 'Scotland', ['131'], ['EH1 #@@', 'EH3 #@@']],
  ['Glasgow', 'Scotland', ['141'], ['G1 #@@', 'G2 #@@']],
  ['Leeds', 'Yorkshire and the Humber', ['113'], ['LS1 #@@']],
  ['Sheffield', 'Yorkshire and the Humber', ['114'], ['S1 #@@']],
  ['Nottingham', 'East Midlands', ['115'], ['NG1 #@@']],
  ['Leicester', 'East Midlands', ['116'], ['LE1 #@@']],
  ['Bristol', 'South West', ['117'], ['BS1 #@@']],
  ['Reading', 'South East', ['118'], ['RG1 #@@']],
  ['Liverpool', 'North West', ['151'], ['L1 #@@', 'L2 #@@']],
  ['Newcastle upon Tyne', 'North East', ['191'], ['NE1 #@@']],
  ['Cardiff', 'Wales', ['29'], ['CF10 #@@']],
  ['Belfast', 'Northern Ireland', ['28'], ['BT1 #@@']],
]);

const DE = table('DE', [
  ['Berlin', 'Berlin', ['30'], ['10###']],
  ['Munich', 'Bavaria', ['89'], ['80###']],
  ['Hamburg', 'Hamburg', ['40'], ['20###']],
  ['Frankfurt am Main', 'Hesse', ['69'], ['60###']],
  ['Cologne', 'North Rhine-Westphalia', ['221'], ['50###']],
  ['Düsseldorf', 'North Rhine-Westphalia', ['211'], ['40###']],
  ['Stuttgart', 'Baden-Württemberg', ['711'], ['70###']],
  ['Leipzig', 'Saxony', ['341'], ['04###']],
]);

const FR = table('FR', [
  ['Paris', 'Île-de-France', ['1'], ['7500#', '7501#']],
  ['Lyon', 'Auvergne-Rhône-Alpes', ['4'], ['6900#']],
  ['Marseille', "Provence-Alpes-Côte d'Azur", ['4'], ['1300#', '1301#']],
  ['Lille', 'Hauts-de-France', ['3'], ['59000', '59800']],
  ['Nantes', 'Pays de la Loire', ['2'], ['44000', '44100', '44200', '44300']],
  ['Bordeaux', 'Nouvelle-Aquitaine', ['5'], ['33000', '33100', '33200', '33300', '33800']],
  ['Toulouse', 'Occitanie', ['5'], ['31000', '31100', '31200', '31300', '31400', '31500']],
]);

const AU = table('AU', [
  ['Sydney', 'NSW', ['2'], ['20##']],
  ['Canberra', 'ACT', ['2'], ['260#']],
  ['Melbourne', 'VIC', ['3'], ['30##']],
  ['Hobart', 'TAS', ['3'], ['700#']],
  ['Brisbane', 'QLD', ['7'], ['40##']],
  ['Perth', 'WA', ['8'], ['60##']],
  ['Adelaide', 'SA', ['8'], ['50##']],
]);


export const LOCALITIES: Readonly<Record<InventoryCountry, readonly Locality[]>> = { US, CA, GB, DE, FR, AU };

export function findLocality(countryCode: InventoryCountry, name: string): Locality {
  const found = LOCALITIES[countryCode].find((l) => l.name === name);
  if (!found) throw new Error(`no locality ${name} in ${countryCode}`);
  return found;
}

/**
 * The listed locality whose area code is the longest prefix of a national number. Several cities can share a short
 * code (Lyon and Marseille are both "4"); `tiebreak` (a number in [0, 1)) picks among them so the answer is stable.
 */
export function localityOfNationalNumber(countryCode: InventoryCountry, nationalNumber: string, tiebreak: number): Locality | null {
  let best: Locality[] = [];
  let bestLength = 0;
  for (const l of LOCALITIES[countryCode]) {
    for (const ndc of l.ndcs) {
      if (!nationalNumber.startsWith(ndc) || ndc.length < bestLength) continue;
      if (ndc.length > bestLength) best = [];
      bestLength = ndc.length;
      best.push(l);
    }
  }
  return best.length ? best[Math.floor(tiebreak * best.length)] : null;
}

/** Letters each country uses in postal codes (Canada and the UK leave out the ones that read like digits). */
const POSTAL_LETTERS: Readonly<Record<string, string>> = { CA: 'ABCEGHJKLMNPRSTVXY', GB: 'ABDEFGHJLNPQRSTUWXY' };

/** Fills a postal code shape; `next` supplies numbers in [0, 1). */
export function fillPostalCode(countryCode: InventoryCountry, shape: string, next: () => number): string {
  const letters = POSTAL_LETTERS[countryCode] ?? 'ABCDEFGHJKLMNPRSTUVWXYZ';
  let out = '';
  for (const ch of shape) {
    if (ch === '#') out += String(Math.floor(next() * 10));
    else if (ch === '@') out += letters[Math.floor(next() * letters.length)];
    else out += ch;
  }
  return out;
}
