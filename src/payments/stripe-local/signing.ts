import { createHmac } from 'node:crypto';
import { randomToken, unixNow } from './ids';

/**
 * Stripe's webhook signature: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the whsec_ secret>`,
 * which `stripe.webhooks.constructEvent(rawBody, header, secret)` verifies. The secret is used as-is, not decoded.
 */
export function signatureHeader(payload: string, secret: string, timestamp = unixNow()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}
