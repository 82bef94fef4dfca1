import { CarrierError, CarrierSimulator, createCarrierSimulator } from '../../src/carrier';

const SAMPLE = [
  '+15125550100', '+12125551234', '+14155550123', '+18005550100', '+14165550123', '+442079460123', '+447911123456',
  '+4930123456', '+4915112345678', '+33612345678', '+33142345678', '+61412345678', '+61298765432', '+34612345678',
  '+390612345678', '+819012345678', '+2348031234567', '+8613812345678', '+77011234567',
];

describe('carrier lookup', () => {
  let carrier: CarrierSimulator;
  let other: CarrierSimulator;

  beforeAll(() => {
    carrier = createCarrierSimulator({ seed: 1 });
    other = createCarrierSimulator({ seed: 'different' });
  });
  afterAll(() => {
    carrier.close();
    other.close();
  });

  it('answers any valid number, the same way every time and whatever the seed', async () => {
    for (const n of SAMPLE) {
      const a = await carrier.lookup(n, 'carrier');
      expect(a).toEqual(await carrier.lookup(n, 'carrier'));
      expect(a).toEqual(await other.lookup(n, 'carrier'));
      expect(a.phoneNumber).toBe(n);
      expect(['landline', 'mobile', 'voip', 'toll_free']).toContain(a.networkType);
      expect(a.carrierName.length).toBeGreaterThan(3);
      expect(typeof a.ported).toBe('boolean');
      const cnam = await carrier.lookup(n, 'caller-name');
      expect(cnam).toEqual(await other.lookup(n, 'caller-name'));
      if (cnam.callerName !== null) expect(cnam.callerName).toMatch(/^[A-Z0-9 .'-]{1,15}$/);
    }
  });

  it('follows the numbering plan where it tells', async () => {
    const type = async (n: string) => (await carrier.lookup(n, 'carrier')).networkType;
    expect(await type('+18885550100')).toBe('toll_free');
    expect(await type('+447911123456')).toBe('mobile');
    expect(await type('+4915112345678')).toBe('mobile');
    expect(await type('+33612345678')).toBe('mobile');
    expect(await type('+61412345678')).toBe('mobile');
    expect(await type('+442079460123')).toBe('voip'); // the carrier's own DID range
    expect(await carrier.lookup('+14165550123', 'carrier')).toMatchObject({ countryCode: 'CA' });
  });

  it('spreads NANP numbers over network types and carriers', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => carrier.lookup(`+1206${2000000 + i * 7}`, 'carrier')));
    const types = new Set(results.map((r) => r.networkType));
    expect(types).toEqual(new Set(['landline', 'mobile', 'voip']));
    expect(new Set(results.map((r) => r.carrierName)).size).toBeGreaterThan(4);
    const ported = results.filter((r) => r.ported).length;
    expect(ported).toBeGreaterThan(0);
    expect(ported).toBeLessThan(100);
    const named = await Promise.all(results.map((r) => carrier.lookup(r.phoneNumber, 'caller-name')));
    expect(named.some((r) => r.callerName !== null)).toBe(true);
    expect(named.some((r) => r.callerName === null)).toBe(true);
  });

  it('lists no caller name for the carrier’s own stock', async () => {
    for (const n of carrier.controls.allNumbers().slice(0, 50)) expect((await carrier.lookup(n.phoneNumber, 'caller-name')).callerName).toBeNull();
  });

  it.each(['5125550100', '+1 512 555 0100', '+0', '', '+2801234567'])('rejects %j as invalid_number', async (n) => {
    const e = await carrier.lookup(n, 'carrier').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CarrierError);
    expect(e).toMatchObject({ code: 'invalid_number', retriable: false });
    await expect(carrier.lookup(n, 'caller-name')).rejects.toMatchObject({ code: 'invalid_number' });
  });
});

describe('carrier porting pre-flight', () => {
  let carrier: CarrierSimulator;

  beforeAll(() => {
    carrier = createCarrierSimulator({ seed: 1 });
  });
  afterAll(() => carrier.close());

  const many = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${String(i * 37).padStart(4, '0')}`);

  it('answers per number, in input order, consistently with lookup', async () => {
    const numbers = ['+15125550100', '+442079460123', '+15125550100'];
    const results = await carrier.portabilityCheck(numbers);
    expect(results.map((r) => r.phoneNumber)).toEqual(numbers);
    expect(results[2]).toEqual(results[0]);
    for (const r of results) expect(r.losingCarrier).toBe((await carrier.lookup(r.phoneNumber, 'carrier')).carrierName);
    expect(await carrier.portabilityCheck(numbers)).toEqual(results);
    expect(await carrier.portabilityCheck([])).toEqual([]);
  });

  it('refuses some numbers (porting_not_supported), deterministically, and whole countries it does not serve', async () => {
    const results = await carrier.portabilityCheck(many('+1512555', 200));
    const refused = results.filter((r) => !r.portable);
    expect(refused.length).toBeGreaterThan(5);
    expect(refused.length).toBeLessThan(50);
    for (const r of refused) expect(r).toMatchObject({ reason: 'porting_not_supported', fastPortable: false });
    for (const r of results.filter((x) => x.portable)) expect(r.reason).toBeUndefined();
    expect(results.some((r) => r.portable && r.fastPortable)).toBe(true);
    expect(results.some((r) => r.portable && !r.fastPortable)).toBe(true);

    const [spain] = await carrier.portabilityCheck(['+34612345678']);
    expect(spain).toMatchObject({ countryCode: 'ES', portable: false, reason: 'country_not_supported', fastPortable: false });
    const gb = await carrier.portabilityCheck(many('+44207946', 50));
    expect(gb.filter((r) => r.portable).every((r) => !r.fastPortable)).toBe(true); // fast port is a NANP thing
  });

  it('refuses a batch holding an invalid number', async () => {
    await expect(carrier.portabilityCheck(['+15125550100', 'garbage'])).rejects.toMatchObject({ code: 'invalid_number', phoneNumber: 'garbage' });
  });

  it('returns a deterministic CSR for portable numbers, placed by area code', async () => {
    const [portable] = (await carrier.portabilityCheck(many('+1512555', 50))).filter((r) => r.portable);
    const csr = await carrier.csrLookup(portable.phoneNumber);
    expect(csr).toEqual(await carrier.csrLookup(portable.phoneNumber));
    expect(csr).toMatchObject({ phoneNumber: portable.phoneNumber, locality: 'Austin', region: 'TX', countryCode: 'US', losingCarrier: portable.losingCarrier });
    expect(csr.accountNumber).toMatch(/^\d{9,10}$/);
    expect(csr.name).toMatch(/\S+ \S+/);
    expect(csr.addressLine).toMatch(/^\d+ \S/);
    expect(csr.postalCode).toMatch(/^787\d\d$/);

    const gb = (await carrier.portabilityCheck(many('+44161496', 20))).find((r) => r.portable);
    expect(await carrier.csrLookup(gb!.phoneNumber)).toMatchObject({ locality: 'Manchester', countryCode: 'GB', postalCode: expect.stringMatching(/^M\d \d[A-Z]{2}$/) });
    const ca = (await carrier.portabilityCheck(many('+1416555', 20))).find((r) => r.portable);
    expect((await carrier.csrLookup(ca!.phoneNumber)).postalCode).toMatch(/^M\d[A-Z] \d[A-Z]\d$/);
    const de = (await carrier.portabilityCheck(many('+4930555', 20))).find((r) => r.portable);
    expect((await carrier.csrLookup(de!.phoneNumber)).addressLine).toMatch(/straße \d+$/);
  });

  it('has no CSR for numbers that are not portable', async () => {
    const [refused] = (await carrier.portabilityCheck(many('+1512555', 200))).filter((r) => !r.portable);
    await expect(carrier.csrLookup(refused.phoneNumber)).rejects.toMatchObject({ code: 'porting_not_supported' });
    await expect(carrier.csrLookup('+34612345678')).rejects.toMatchObject({ code: 'porting_not_supported' });
    await expect(carrier.csrLookup('nope')).rejects.toMatchObject({ code: 'invalid_number' });
  });
});
