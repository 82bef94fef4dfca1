import { NetworkType } from './types';

/**
 * Invented names for lookups and CSRs. Carrier names are deliberately not real brands (nobody should read a
 * simulated lookup as a claim about a real operator).
 */
type CarrierNames = Readonly<Record<NetworkType, readonly string[]>>;

export const CARRIER_NAMES: Readonly<Record<string, CarrierNames>> = {
  US: {
    landline: ['Northwind Telecom', 'Prairie Line Communications', 'Bramblewood Telephone'],
    mobile: ['Harborlight Wireless', 'Redwood Crossing Mobile', 'Cascade Relay Wireless'],
    voip: ['Lanternfish Voice', 'Quillwire Networks', 'Saltmarsh VoIP'],
    toll_free: ['Tollgate Freephone Services', 'Beacon 8XX Exchange'],
  },
  CA: {
    landline: ['Maple Relay Telecom', 'Boreal Line Communications'],
    mobile: ['Aurora North Wireless', 'Loonlight Mobile'],
    voip: ['Tundra Voice Networks', 'Snowbridge VoIP'],
    toll_free: ['Northern Freephone Exchange'],
  },
  GB: {
    landline: ['Hedgerow Telecom', 'Coppergate Communications'],
    mobile: ['Thistledown Mobile', 'Foxglove Mobile', 'Kestrel Wireless'],
    voip: ['Lamplighter Voice', 'Quayside Networks'],
    toll_free: ['Hedgerow Freephone'],
  },
  DE: {
    landline: ['Lindenhof Fernmelde AG', 'Elbtal Netz'],
    mobile: ['Alpenklang Mobil', 'Nordlicht Funk'],
    voip: ['Rheinwelle Kommunikation', 'Kranich Voice'],
    toll_free: ['Lindenhof Freecall'],
  },
  FR: {
    landline: ['Lavande Télécom', 'Vignoble Réseaux'],
    mobile: ['Ciel Bleu Mobile', 'Pétale Mobile'],
    voip: ['Héron Voix', 'Quai des Ondes'],
    toll_free: ['Lavande Numéros Verts'],
  },
  AU: {
    landline: ['Wattle Telecom', 'Bottlebrush Communications'],
    mobile: ['Coral Sea Mobile', 'Kookaburra Wireless'],
    voip: ['Eucalypt Networks', 'Saltbush Voice'],
    toll_free: ['Wattle Freecall'],
  },
  /** Everywhere else. */
  default: {
    landline: ['Meridian Crossing Telecom', 'Old Harbour Telephone'],
    mobile: ['Greyfalcon Mobile', 'Opal Wave Wireless'],
    voip: ['Open Harbour Voice', 'Driftwood Networks'],
    toll_free: ['Meridian Freephone'],
  },
};

export const FIRST_NAMES: readonly string[] = [
  'Maria', 'James', 'Aisha', 'Chen', 'Olivia', 'Mateo', 'Priya', 'Liam', 'Fatima', 'Noah', 'Sofia', 'Kenji', 'Amara',
  'Lucas', 'Ingrid', 'Tomás', 'Hannah', 'Omar', 'Elena', 'Daniel', 'Zoe', 'Ravi', 'Chloé', 'Felix',
];

export const LAST_NAMES: readonly string[] = [
  'Alvarez', 'Okafor', 'Lindqvist', 'Nakamura', 'Patel', 'Moreau', 'Fischer', 'Kowalski', 'Brennan', 'Haddad',
  'Santos', 'Whitfield', 'Novak', 'Delgado', 'Achterberg', 'MacLeod', 'Ferreira', 'Osei', 'Bauer', 'Laurent',
];

export const BUSINESS_WORDS: readonly string[] = [
  'Copperleaf', 'Parkside', 'Bluestone', 'Larkspur', 'Riverbend', 'Oakhaven', 'Silverpine', 'Harbourview',
  'Meadowbrook', 'Ironwood', 'Foxhollow', 'Westgate',
];

export const BUSINESS_KINDS: readonly string[] = [
  'Dental', 'Bakery', 'Plumbing', 'Veterinary Clinic', 'Law Group', 'Florist', 'Auto Repair', 'Architects',
  'Physiotherapy', 'Books', 'Catering', 'Accounting',
];

/** Legal suffix of a business name, per country. */
export const BUSINESS_SUFFIX: Readonly<Record<string, string>> = {
  US: 'LLC', CA: 'Inc.', GB: 'Ltd', DE: 'GmbH', FR: 'SARL', AU: 'Pty Ltd',
};

export const STREET_WORDS: Readonly<Record<string, readonly string[]>> = {
  US: ['Juniper', 'Maple', 'Cedar', 'Lakeview', 'Hillcrest', 'Willow', 'Sycamore', 'Magnolia'],
  CA: ['Maple', 'Birch', 'Spruce', 'Lakeshore', 'King', 'Queen', 'Harbour', 'Aspen'],
  GB: ['Kestrel', 'Orchard', 'Mill', 'Church', 'Station', 'Hawthorn', 'Victoria', 'Rosemary'],
  DE: ['Linden', 'Garten', 'Birken', 'Mühlen', 'Schiller', 'Ahorn', 'Rosen', 'Kastanien'],
  FR: ['des Lilas', 'des Tilleuls', 'du Moulin', 'de la Paix', 'des Écoles', 'du Château', 'des Acacias', 'Victor Hugo'],
  AU: ['Wattle', 'Banksia', 'Jacaranda', 'Bay', 'Ocean', 'Kurrajong', 'Eucalyptus', 'Waratah'],
};

export const STREET_KINDS: Readonly<Record<string, readonly string[]>> = {
  US: ['St', 'Ave', 'Blvd', 'Dr', 'Ln'],
  CA: ['St', 'Ave', 'Rd', 'Cres'],
  GB: ['Road', 'Lane', 'Street', 'Close'],
  AU: ['St', 'Rd', 'Ave', 'Pde'],
};
