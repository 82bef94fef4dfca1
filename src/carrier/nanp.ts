/**
 * The North American Numbering Plan (+1): one calling code, many countries, told apart by area code (NPA).
 * Unknown area codes count as US (most NPAs are), so only Canada's and the other NANP countries' codes are listed.
 */

/** The toll-free NPAs. They are shared by the US and Canada, so a number alone can't say which; `parseE164` answers US. */
export const NANP_TOLL_FREE_NPAS: readonly string[] = ['800', '833', '844', '855', '866', '877', '888'];

const CANADA = [
  '204', '226', '236', '249', '250', '257', '263', '289', '306', '343', '354', '365', '367', '368', '382', '403',
  '416', '418', '428', '431', '437', '438', '450', '460', '468', '474', '506', '514', '519', '537', '548', '579',
  '581', '584', '587', '600', '604', '613', '622', '639', '647', '672', '683', '705', '709', '742', '753', '778',
  '780', '782', '807', '819', '825', '867', '873', '879', '902', '905', '942',
];

/** Caribbean and Pacific members of NANP. Listed because "+1" is not always domestic (and not always cheap). */
const OTHER_MEMBERS: Readonly<Record<string, string>> = {
  '242': 'BS', '246': 'BB', '264': 'AI', '268': 'AG', '284': 'VG', '340': 'VI', '345': 'KY', '441': 'BM',
  '473': 'GD', '649': 'TC', '658': 'JM', '876': 'JM', '664': 'MS', '670': 'MP', '671': 'GU', '684': 'AS',
  '721': 'SX', '758': 'LC', '767': 'DM', '784': 'VC', '787': 'PR', '939': 'PR', '809': 'DO', '829': 'DO',
  '849': 'DO', '868': 'TT', '869': 'KN',
};

/** Every country numbered in NANP (calling code 1). */
export const NANP_COUNTRIES: ReadonlySet<string> = new Set(['US', 'CA', ...Object.values(OTHER_MEMBERS)]);

const COUNTRY_BY_NPA: ReadonlyMap<string, string> = new Map([
  ...CANADA.map((npa) => [npa, 'CA'] as const),
  ...Object.entries(OTHER_MEMBERS),
]);

/** NPA-NXX-XXXX: area code and exchange start with 2–9, and N11 codes (211, 911, …) are services, not areas. */
const NANP_NATIONAL = /^[2-9](?!11)\d{2}[2-9]\d{6}$/;

/** ISO country of a 10-digit NANP national number, or null when it isn't a dialable NANP number. */
export function nanpCountry(nationalNumber: string): string | null {
  if (!NANP_NATIONAL.test(nationalNumber)) return null;
  return COUNTRY_BY_NPA.get(nationalNumber.slice(0, 3)) ?? 'US';
}

export function isNanpTollFree(nationalNumber: string): boolean {
  return NANP_TOLL_FREE_NPAS.includes(nationalNumber.slice(0, 3));
}
