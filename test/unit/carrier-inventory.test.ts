import { CAPABILITY_ORDER, createCarrierSimulator, CarrierSimulator, InventoryNumber, NANP_TOLL_FREE_NPAS, parseE164 } from '../../src/carrier';

describe('carrier inventory', () => {
  let carrier: CarrierSimulator;
  let all: readonly InventoryNumber[];

  beforeAll(() => {
    carrier = createCarrierSimulator({ seed: 42 });
    all = carrier.controls.allNumbers();
  });
  afterAll(() => carrier.close());

  describe('generation', () => {
    it('is a function of the seed: same seed, same numbers in the same order; another seed, another selection', () => {
      const again = createCarrierSimulator({ seed: 42 });
      const other = createCarrierSimulator({ seed: 'another' });
      try {
        expect(again.controls.allNumbers()).toEqual(all);
        expect(other.controls.allNumbers().map((n) => n.phoneNumber)).not.toEqual(all.map((n) => n.phoneNumber));
        // Same ranges, same size: only the selection differs.
        expect(other.controls.allNumbers()).toHaveLength(all.length);
      } finally {
        again.close();
        other.close();
      }
    });

    it('always stocks the documentation examples (NPA-555-0100/0101, 8XX-555-0100), whatever the seed', () => {
      for (const seed of [42, 'another', 'voepy']) {
        const c = createCarrierSimulator({ seed });
        const numbers = new Set(c.controls.allNumbers().map((n) => n.phoneNumber));
        c.close();
        for (const n of ['+15125550100', '+15125550101', '+14165550100', '+18005550100', '+18885550100']) expect(numbers).toContain(n);
      }
    });

    // How fast it builds is not asserted here: timings belong to bench/, not to unit tests on a shared machine.
    it('holds a few thousand distinct numbers', () => {
      expect(all.length).toBeGreaterThan(2000);
      expect(all.length).toBeLessThan(10000);
      expect(new Set(all.map((n) => n.phoneNumber)).size).toBe(all.length);
    });

    it('gives every number valid E.164 that parses back to its country (NANP toll-free: the shared +1 plan)', () => {
      for (const n of all) {
        const parsed = parseE164(n.phoneNumber);
        expect(parsed).not.toBeNull();
        if (n.numberType === 'toll_free') expect(parsed).toMatchObject({ callingCode: '1', countryCode: 'US' });
        else expect(parsed?.countryCode).toBe(n.countryCode);
        expect(parsed?.nationalNumber.startsWith(n.nationalDestinationCode)).toBe(true);
      }
    });

    it('stocks each country with the types that exist there', () => {
      const types = (country: string) => new Set(all.filter((n) => n.countryCode === country).map((n) => n.numberType));
      expect(types('US')).toEqual(new Set(['local', 'toll_free']));
      expect(types('CA')).toEqual(new Set(['local', 'toll_free']));
      for (const country of ['GB', 'DE', 'FR', 'AU']) expect(types(country)).toEqual(new Set(['local', 'national', 'mobile']));
    });

    it('uses the NANP toll-free prefixes and fiction ranges', () => {
      for (const n of all.filter((x) => x.numberType === 'toll_free')) {
        expect(NANP_TOLL_FREE_NPAS).toContain(n.nationalDestinationCode);
        expect(n.phoneNumber).toMatch(/^\+18\d\d55501\d\d$/);
      }
      for (const n of all.filter((x) => x.numberType === 'local' && (x.countryCode === 'US' || x.countryCode === 'CA'))) {
        expect(n.phoneNumber).toMatch(/^\+1\d{3}55501\d\d$/); // NPA-555-01XX, reserved for fiction
      }
      const gb = all.filter((x) => x.countryCode === 'GB');
      for (const n of gb.filter((x) => x.locality === 'London')) expect(n.phoneNumber).toMatch(/^\+442079460\d{3}$/); // 020 7946 0xxx
      for (const n of gb.filter((x) => x.locality === 'Manchester')) expect(n.phoneNumber).toMatch(/^\+441614960\d{3}$/);
      for (const n of gb.filter((x) => x.numberType === 'mobile')) expect(n.phoneNumber).toMatch(/^\+447700900\d{3}$/);
      for (const n of all.filter((x) => x.countryCode === 'FR' && x.locality === 'Paris')) expect(n.phoneNumber).toMatch(/^\+3319900\d{4}$/);
      for (const n of all.filter((x) => x.countryCode === 'AU' && x.numberType === 'mobile')) expect(n.phoneNumber).toMatch(/^\+6149157\d{4}$/);
    });

    it('uses real area codes for the cities', () => {
      const codes = (country: string, city: string) => new Set(all.filter((n) => n.countryCode === country && n.locality === city).map((n) => n.nationalDestinationCode));
      expect(codes('US', 'Austin')).toEqual(new Set(['512', '737']));
      expect(codes('US', 'New York')).toEqual(new Set(['212', '646']));
      expect(codes('US', 'San Francisco')).toContain('415');
      expect(codes('CA', 'Toronto')).toEqual(new Set(['416', '647', '437']));
      expect(codes('GB', 'London')).toEqual(new Set(['20']));
      expect(codes('GB', 'Manchester')).toEqual(new Set(['161']));
      expect(codes('DE', 'Munich')).toEqual(new Set(['89']));
      expect(codes('FR', 'Lyon')).toEqual(new Set(['4']));
      expect(codes('AU', 'Melbourne')).toEqual(new Set(['3']));
      const austin = all.find((n) => n.locality === 'Austin');
      expect(austin).toMatchObject({ countryCode: 'US', region: 'TX', numberType: 'local' });
    });

    it('gives geographic numbers a city and region, and the others none', () => {
      for (const n of all) {
        if (n.numberType === 'local') expect(n.locality && n.region).toBeTruthy();
        else expect([n.locality, n.region]).toEqual([null, null]);
      }
    });

    it('lists capabilities in canonical order, always with voice; sms on most NANP local and all mobile numbers', () => {
      for (const n of all) {
        expect(n.capabilities[0]).toBe('voice');
        expect([...n.capabilities].sort((a, b) => CAPABILITY_ORDER.indexOf(a) - CAPABILITY_ORDER.indexOf(b))).toEqual(n.capabilities);
        if (n.capabilities.includes('mms')) expect(n.capabilities).toContain('sms');
        if (n.numberType === 'mobile') expect(n.capabilities).toContain('sms');
      }
      const nanpLocal = all.filter((n) => n.numberType === 'local' && (n.countryCode === 'US' || n.countryCode === 'CA'));
      expect(nanpLocal.filter((n) => n.capabilities.includes('sms')).length / nanpLocal.length).toBeGreaterThan(0.75);
      expect(all.some((n) => n.capabilities.includes('fax'))).toBe(true);
      expect(all.some((n) => n.capabilities.includes('mms'))).toBe(true);
    });

    it('prices in whole cents', () => {
      for (const n of all) {
        expect(Number.isInteger(n.carrierCost.activationCents) && n.carrierCost.activationCents >= 0).toBe(true);
        expect(Number.isInteger(n.carrierCost.monthlyCents) && n.carrierCost.monthlyCents > 0).toBe(true);
      }
    });

    it('hands out frozen records', () => {
      expect(Object.isFrozen(all[0])).toBe(true);
      expect(Object.isFrozen(all[0].capabilities)).toBe(true);
    });
  });

  describe('searchInventory', () => {
    const search = (q: Partial<Parameters<CarrierSimulator['searchInventory']>[0]>) => carrier.searchInventory({ countryCode: 'US', limit: 10_000, ...q });

    it('filters by country and type', async () => {
      const tollFree = await search({ numberType: 'toll_free' });
      expect(tollFree.length).toBeGreaterThan(0);
      expect(tollFree.every((n) => n.countryCode === 'US' && n.numberType === 'toll_free')).toBe(true);
      expect(await search({ numberType: 'mobile' })).toEqual([]);
      expect(await carrier.searchInventory({ countryCode: 'ZZ', limit: 5 })).toEqual([]);
      expect((await carrier.searchInventory({ countryCode: 'gb', numberType: 'mobile', limit: 3 })).map((n) => n.countryCode)).toEqual(['GB', 'GB', 'GB']);
    });

    it('filters by area code, accepting a trunk 0 outside NANP', async () => {
      const austin = await search({ nationalDestinationCode: '512' });
      expect(austin.length).toBeGreaterThan(0);
      expect(austin.every((n) => n.nationalDestinationCode === '512' && n.locality === 'Austin')).toBe(true);
      const london = await carrier.searchInventory({ countryCode: 'GB', nationalDestinationCode: '020', limit: 500 });
      expect(london.length).toBeGreaterThan(0);
      expect(london.every((n) => n.locality === 'London')).toBe(true);
      expect(await carrier.searchInventory({ countryCode: 'GB', nationalDestinationCode: '20', limit: 500 })).toEqual(london);
      const deMobile = await carrier.searchInventory({ countryCode: 'DE', nationalDestinationCode: '0151', limit: 500 });
      expect(deMobile.length).toBeGreaterThan(0);
      expect(deMobile.every((n) => n.numberType === 'mobile')).toBe(true);
    });

    it('filters by locality, case- and accent-insensitively', async () => {
      const austin = await search({ locality: 'aUsTiN' });
      expect(austin.length).toBeGreaterThan(0);
      expect(austin.every((n) => n.locality === 'Austin')).toBe(true);
      const dus = await carrier.searchInventory({ countryCode: 'DE', locality: 'dusseldorf', limit: 500 });
      expect(dus.length).toBeGreaterThan(0);
      expect(dus.every((n) => n.locality === 'Düsseldorf')).toBe(true);
      expect(await search({ locality: 'Aust' })).toEqual([]); // a city name, not a substring
    });

    it('requires every listed feature', async () => {
      const smsFax = await search({ features: ['sms', 'fax'] });
      expect(smsFax.length).toBeGreaterThan(0);
      expect(smsFax.every((n) => n.capabilities.includes('sms') && n.capabilities.includes('fax'))).toBe(true);
      const sms = await search({ features: ['sms'] });
      expect(sms.length).toBeGreaterThan(smsFax.length);
    });

    it('honours limit and exclude, and keeps a stable catalogue order', async () => {
      const first = await search({ limit: 5 });
      expect(first).toHaveLength(5);
      expect(await search({ limit: 5 })).toEqual(first);
      const everything = await search({});
      expect(first).toEqual(everything.slice(0, 5));
      const catalogueOrder = all.filter((n) => n.countryCode === 'US');
      expect(everything).toEqual(catalogueOrder);

      const excluded = await search({ limit: 5, exclude: new Set([first[0].phoneNumber, first[2].phoneNumber]) });
      expect(excluded.map((n) => n.phoneNumber)).toEqual(everything.filter((n) => n !== first[0] && n !== first[2]).slice(0, 5).map((n) => n.phoneNumber));
    });

    it('combines filters', async () => {
      const found = await carrier.searchInventory({ countryCode: 'CA', numberType: 'local', locality: 'toronto', nationalDestinationCode: '416', features: ['sms'], limit: 3 });
      expect(found.length).toBeGreaterThan(0);
      for (const n of found) expect(n).toMatchObject({ countryCode: 'CA', locality: 'Toronto', nationalDestinationCode: '416' });
    });

    it('refuses a limit that is not a positive whole number', async () => {
      await expect(search({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(search({ limit: 2.5 })).rejects.toThrow(RangeError);
    });
  });

  describe('getInventoryNumber', () => {
    it('answers an available number, and null for anything else', async () => {
      expect(await carrier.getInventoryNumber(all[7].phoneNumber)).toEqual(all[7]);
      expect(await carrier.getInventoryNumber('+15125551234')).toBeNull();
      expect(await carrier.getInventoryNumber('not a number')).toBeNull();
    });
  });
});
