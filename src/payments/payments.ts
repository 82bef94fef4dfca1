import Stripe from 'stripe';

/**
 * The card-funding side of billing: the real `stripe` SDK, pointed at Stripe itself when a secret key is
 * configured, else at the local Stripe-compatible server (payments/stripe-local) that main.ts starts.
 */
export interface Payments {
  stripe: Stripe;
  /** whsec_… that Stripe signs webhook events with; verified on the raw body. */
  webhookSecret: string;
  currency: 'usd';
  topUpMinimumCents: bigint;
  topUpMaximumCents: bigint;
}

export interface StripeConnection {
  secretKey: string;
  /** Only for a local Stripe-compatible server. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

export function createStripeClient(conn: StripeConnection): Stripe {
  return new Stripe(conn.secretKey, {
    ...(conn.host ? { host: conn.host, port: conn.port, protocol: conn.protocol ?? 'http' } : {}),
    maxNetworkRetries: 2, // safe: every mutating call the gateway makes carries an idempotency key
    timeout: 15_000,
    appInfo: { name: 'voepy-gateway' },
  });
}
