import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// A key reads `vpk_<prefix>_<secret>`. The prefix is public (it finds the row and is safe to log); the secret
// is 256 random bits and is stored only as its SHA-256, so a database leak reveals no usable key. A slow
// password hash buys nothing for secrets of that entropy and would cost every request.
const KEY_PATTERN = /^vpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  plaintext: string;
  prefix: string;
  secretHash: string;
}

export function mintApiKey(): MintedKey {
  const prefix = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { plaintext: `vpk_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function parseApiKey(plaintext: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(plaintext);
  return match ? { prefix: match[1], secret: match[2] } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
