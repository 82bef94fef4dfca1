import { Config } from '../config';
import { createStripeClient, Payments } from './payments';
import { LocalStripe, startLocalStripe, stripeClientConfig } from './stripe-local';

export interface PaymentsSetup {
  payments: Payments;
  /** The local Stripe-compatible server, when no Stripe key is configured. */
  local?: LocalStripe;
  /** Tells the local server where the gateway's /webhooks/stripe is, once the gateway listens. */
  gatewayListening(baseUrl: string): void;
  close(): Promise<void>;
}

/** Stripe itself when STRIPE_SECRET_KEY is set; else the local Stripe-compatible server, through the same SDK. */
export async function setUpPayments(config: Config, opts: { dataFile?: string; log?: (line: string) => void } = {}): Promise<PaymentsSetup> {
  const limits = { currency: 'usd' as const, topUpMinimumCents: BigInt(config.topUpMinimumCents), topUpMaximumCents: BigInt(config.topUpMaximumCents) };
  if (config.stripeSecretKey && config.stripeWebhookSecret) {
    const payments = { stripe: createStripeClient({ secretKey: config.stripeSecretKey, ...apiAddress(config.stripeApiUrl) }), webhookSecret: config.stripeWebhookSecret, ...limits };
    return { payments, gatewayListening: () => {}, close: async () => {} };
  }
  const local = await startLocalStripe({ dataFile: opts.dataFile, log: opts.log });
  const payments = { stripe: createStripeClient({ secretKey: local.secretKey, ...stripeClientConfig(local) }), webhookSecret: local.webhookSecret, ...limits };
  return {
    payments,
    local,
    gatewayListening: (baseUrl) => local.setWebhookUrl(`${baseUrl}/webhooks/stripe`),
    close: () => local.close(),
  };
}

/** STRIPE_API_URL as the SDK's host/port/protocol; unset → the SDK's own default, api.stripe.com. */
function apiAddress(apiUrl: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (!apiUrl) return {};
  const u = new URL(apiUrl);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
}
