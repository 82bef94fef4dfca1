import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Deliveries are signed like Stripe's: `Voepy-Signature: t=<unix seconds>,v1=<hex hmac>[,v1=<hex hmac>]`, the
// HMAC-SHA256 of `<t>.<raw body>` under the subscription's secret. During a secret rotation's grace period
// both the new and the old secret sign, so receivers can switch secrets without missing a delivery.

export const SIGNATURE_HEADER = 'voepy-signature';

/** Five minutes, like Stripe: older timestamps are treated as replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body`, signed by each of `secrets` (the current one first). */
export function signatureHeader(body: string, secrets: string[], timestamp: number): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmac(s, timestamp, body)}`)].join(',');
}

/**
 * The receiver's check: true when one of the header's v1 values is the HMAC of this raw body under `secret`
 * and the timestamp is within the tolerance. The same few lines the README shows receivers.
 */
export function verifySignature(rawBody: string | Buffer, header: string | undefined, secret: string, opts: { toleranceSeconds?: number; nowSeconds?: number } = {}): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, rawBody), 'hex');
  return parts
    .filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
