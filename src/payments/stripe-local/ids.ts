import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 from a CSPRNG; rejection sampling keeps every character equally likely (ids and secrets must not be guessable). */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdPrefix = 'cus' | 'pm' | 'seti' | 'pi' | 'ch' | 're' | 'txn' | 'ii' | 'in' | 'il' | 'inpay' | 'evt' | 'src';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(24)}`;
}

export function clientSecret(intentId: string): string {
  return `${intentId}_secret_${randomToken(25)}`;
}

export function newRequestId(): string {
  return `req_${randomToken(14)}`;
}

/** Stripe timestamps are unix seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
