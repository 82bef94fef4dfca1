import { isE164, parseE164 } from '../../src/carrier';

describe('parseE164', () => {
  it.each([
    ['+15125550100', 'US', '1', '5125550100'],
    ['+14165550123', 'CA', '1', '4165550123'],
    ['+16045550199', 'CA', '1', '6045550199'],
    ['+19075550100', 'US', '1', '9075550100'], // Alaska: not in any table → US
    ['+18005550100', 'US', '1', '8005550100'], // NANP toll-free is shared; answered as US
    ['+18765550100', 'JM', '1', '8765550100'], // +1 is not always domestic
    ['+17875550100', 'PR', '1', '7875550100'],
    ['+442079460123', 'GB', '44', '2079460123'],
    ['+447700900123', 'GB', '44', '7700900123'],
    ['+441534555123', 'JE', '44', '1534555123'], // a shared range beats its calling code
    ['+493055501234', 'DE', '49', '3055501234'],
    ['+33199001234', 'FR', '33', '199001234'],
    ['+61255501234', 'AU', '61', '255501234'],
    ['+34912345678', 'ES', '34', '912345678'],
    ['+390612345678', 'IT', '39', '0612345678'], // Italy keeps its 0
    ['+31201234567', 'NL', '31', '201234567'],
    ['+525512345678', 'MX', '52', '5512345678'],
    ['+5511987654321', 'BR', '55', '11987654321'],
    ['+81312345678', 'JP', '81', '312345678'],
    ['+919812345678', 'IN', '91', '9812345678'],
    ['+8613812345678', 'CN', '86', '13812345678'],
    ['+74951234567', 'RU', '7', '4951234567'],
    ['+77011234567', 'KZ', '7', '7011234567'], // longest prefix: +7 7… is Kazakhstan
    ['+2348031234567', 'NG', '234', '8031234567'], // 3-digit code, not +23 / +2
    ['+27821234567', 'ZA', '27', '821234567'],
    ['+35312345678', 'IE', '353', '12345678'],
  ])('%s → %s', (e164, countryCode, callingCode, nationalNumber) => {
    expect(parseE164(e164)).toEqual({ e164, countryCode, callingCode, nationalNumber });
    expect(isE164(e164)).toBe(true);
  });

  it.each([
    ['no plus', '15125550100'],
    ['spaces', '+1 512 555 0100'],
    ['dashes', '+1-512-555-0100'],
    ['leading zero after +', '+0445550100'],
    ['too short (7 digits)', '+4420794'],
    ['too long (16 digits)', '+4420794601234567'],
    ['letters', '+1512555CALL'],
    ['empty', ''],
    ['only +', '+'],
    ['NANP with 9 national digits', '+1512555010'],
    ['NANP with 11 national digits', '+151255501000'],
    ['NANP area code starting with 1', '+11125550100'],
    ['NANP exchange starting with 0', '+15120550100'],
    ['NANP N11 area code', '+19115550100'],
    ['UK trunk 0 kept', '+4402079460123'],
    ['French number too short', '+3319900123'],
    ['unassigned calling code', '+2801234567'],
    ['trailing newline', '+15125550100\n'],
  ])('rejects %s', (_why, value) => {
    expect(parseE164(value)).toBeNull();
    expect(isE164(value)).toBe(false);
  });

  it('rejects what is not a string', () => {
    for (const value of [undefined, null, 15125550100, {}, ['+15125550100']]) expect(parseE164(value)).toBeNull();
  });
});
