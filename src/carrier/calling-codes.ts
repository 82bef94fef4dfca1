/**
 * Country calling codes → ISO 3166-1 alpha-2, for telling which country a destination is in (country allow-lists,
 * rating, lookups). Matched longest prefix first, so "+7 7…" is Kazakhstan while the rest of "+7" is Russia.
 * A code missing here makes `parseE164` answer null: better to refuse a number than to guess its country.
 */
export const CALLING_CODES: Readonly<Record<string, string>> = {
  // Zone 1 (NANP) is resolved by area code in nanp.ts, not here.
  '7': 'RU',
  '20': 'EG', '27': 'ZA', '30': 'GR', '31': 'NL', '32': 'BE', '33': 'FR', '34': 'ES', '36': 'HU', '39': 'IT',
  '40': 'RO', '41': 'CH', '43': 'AT', '44': 'GB', '45': 'DK', '46': 'SE', '47': 'NO', '48': 'PL', '49': 'DE',
  '51': 'PE', '52': 'MX', '53': 'CU', '54': 'AR', '55': 'BR', '56': 'CL', '57': 'CO', '58': 'VE',
  '60': 'MY', '61': 'AU', '62': 'ID', '63': 'PH', '64': 'NZ', '65': 'SG', '66': 'TH',
  '81': 'JP', '82': 'KR', '84': 'VN', '86': 'CN',
  '90': 'TR', '91': 'IN', '92': 'PK', '93': 'AF', '94': 'LK', '95': 'MM', '98': 'IR',
  '211': 'SS', '212': 'MA', '213': 'DZ', '216': 'TN', '218': 'LY', '220': 'GM', '221': 'SN', '223': 'ML',
  '225': 'CI', '226': 'BF', '227': 'NE', '228': 'TG', '229': 'BJ', '230': 'MU', '231': 'LR', '232': 'SL',
  '233': 'GH', '234': 'NG', '235': 'TD', '236': 'CF', '237': 'CM', '238': 'CV', '240': 'GQ', '241': 'GA',
  '242': 'CG', '243': 'CD', '244': 'AO', '248': 'SC', '249': 'SD', '250': 'RW', '251': 'ET', '252': 'SO',
  '253': 'DJ', '254': 'KE', '255': 'TZ', '256': 'UG', '257': 'BI', '258': 'MZ', '260': 'ZM', '261': 'MG',
  '262': 'RE', '263': 'ZW', '264': 'NA', '265': 'MW', '266': 'LS', '267': 'BW', '268': 'SZ',
  '297': 'AW', '298': 'FO', '299': 'GL',
  '350': 'GI', '351': 'PT', '352': 'LU', '353': 'IE', '354': 'IS', '355': 'AL', '356': 'MT', '357': 'CY',
  '358': 'FI', '359': 'BG', '370': 'LT', '371': 'LV', '372': 'EE', '373': 'MD', '374': 'AM', '375': 'BY',
  '376': 'AD', '377': 'MC', '378': 'SM', '380': 'UA', '381': 'RS', '382': 'ME', '383': 'XK', '385': 'HR',
  '386': 'SI', '387': 'BA', '389': 'MK', '420': 'CZ', '421': 'SK', '423': 'LI',
  '501': 'BZ', '502': 'GT', '503': 'SV', '504': 'HN', '505': 'NI', '506': 'CR', '507': 'PA', '509': 'HT',
  '591': 'BO', '592': 'GY', '593': 'EC', '595': 'PY', '597': 'SR', '598': 'UY',
  '670': 'TL', '673': 'BN', '675': 'PG', '676': 'TO', '679': 'FJ', '685': 'WS',
  '852': 'HK', '853': 'MO', '855': 'KH', '856': 'LA', '880': 'BD', '886': 'TW',
  '960': 'MV', '961': 'LB', '962': 'JO', '963': 'SY', '964': 'IQ', '965': 'KW', '966': 'SA', '967': 'YE',
  '968': 'OM', '970': 'PS', '971': 'AE', '972': 'IL', '973': 'BH', '974': 'QA', '975': 'BT', '976': 'MN',
  '977': 'NP', '992': 'TJ', '993': 'TM', '994': 'AZ', '995': 'GE', '996': 'KG', '998': 'UZ',
};

/**
 * Lengths of the national significant number where they are fixed or narrow. Countries not listed only get the
 * E.164 bounds (8–15 digits in all); a table entry turns "+33 1 23" from "plausible" into "invalid".
 */
export const NATIONAL_NUMBER_LENGTHS: Readonly<Record<string, readonly [min: number, max: number]>> = {
  GB: [9, 10], DE: [6, 13], FR: [9, 9], AU: [9, 10], ES: [9, 9], IT: [6, 11], NL: [9, 9], BE: [8, 9],
  CH: [9, 9], AT: [7, 13], IE: [7, 9], PT: [9, 9], SE: [7, 10], NO: [8, 8], DK: [8, 8], PL: [9, 9],
  MX: [10, 10], BR: [10, 11], AR: [10, 11], JP: [9, 10], IN: [10, 10], CN: [9, 11], RU: [10, 10], KZ: [10, 10],
  NG: [8, 10], ZA: [9, 9], NZ: [8, 10], SG: [8, 8], HK: [8, 8], KR: [8, 10], IL: [8, 9], AE: [8, 9],
  GG: [10, 10], JE: [10, 10], IM: [10, 10],
};

/**
 * Countries whose national dialling prefixes numbers with a trunk "0" that E.164 leaves out. There, a national
 * number starting with 0 is a copy-paste mistake (+44 020…); elsewhere (Italy, Côte d'Ivoire) the 0 is part of it.
 */
export const TRUNK_ZERO_COUNTRIES: ReadonlySet<string> = new Set([
  'GB', 'GG', 'JE', 'IM', 'DE', 'FR', 'AU', 'NL', 'BE', 'CH', 'AT', 'IE', 'SE', 'FI', 'NZ', 'JP', 'KR', 'CN', 'IN',
  'ZA', 'NG', 'IL', 'AE', 'TR', 'BR', 'AR', 'RU', 'KZ', 'EG', 'PK', 'TH', 'MY', 'ID', 'PH', 'VN',
]);

/**
 * Ranges inside a calling code that belong to another country: Kazakhstan shares +7 with Russia, and the Crown
 * Dependencies share +44 with the UK. Checked before the calling codes, longest first.
 */
const SHARED_RANGES: Readonly<Record<string, { callingCode: string; countryCode: string }>> = {
  '76': { callingCode: '7', countryCode: 'KZ' },
  '77': { callingCode: '7', countryCode: 'KZ' },
  '441481': { callingCode: '44', countryCode: 'GG' },
  '441534': { callingCode: '44', countryCode: 'JE' },
  '441624': { callingCode: '44', countryCode: 'IM' },
};
const LONGEST_SHARED_RANGE = Math.max(...Object.keys(SHARED_RANGES).map((k) => k.length));

/** The country whose calling code (or shared range) is the longest prefix of `digits` (the digits after "+"). */
export function matchCallingCode(digits: string): { callingCode: string; countryCode: string } | null {
  for (let length = LONGEST_SHARED_RANGE; length >= 2; length--) {
    const range = SHARED_RANGES[digits.slice(0, length)];
    if (range) return range;
  }
  for (let length = 3; length >= 1; length--) {
    const callingCode = digits.slice(0, length);
    const countryCode = CALLING_CODES[callingCode];
    if (countryCode) return { callingCode, countryCode };
  }
  return null;
}
