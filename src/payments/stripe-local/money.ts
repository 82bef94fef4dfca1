import { invalidRequest } from './errors';
import { Params } from './params';

/** Stripe's minimum charge per settlement currency, in the currency's smallest unit; these are the currencies accepted. */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50, gbp: 30, hkd: 400,
  huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
};

const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp', 'pyg', 'ugx', 'xaf', 'xof']);
const SYMBOL: Readonly<Record<string, string>> = { usd: '$', cad: '$', aud: '$', nzd: '$', sgd: '$', hkd: '$', eur: '€', gbp: '£', jpy: '¥', inr: '₹' };
const MAX_AMOUNT = 99_999_999;

export function currencyParam(params: Params, opts: { required?: boolean; name?: string } = {}): string | undefined {
  const name = opts.name ?? 'currency';
  const raw = params.string(name, { required: opts.required });
  if (raw === undefined) return undefined;
  const currency = raw.toLowerCase();
  if (!(currency in MINIMUM_CHARGE)) {
    throw invalidRequest(`Invalid currency: ${raw}. Stripe currently supports these currencies: ${Object.keys(MINIMUM_CHARGE).join(', ')}`, {
      param: params.path(name),
    });
  }
  return currency;
}

/** A chargeable amount: a positive integer in the smallest unit, within Stripe's minimum and maximum. */
export function chargeAmountParam(params: Params, currency: string, name = 'amount'): number {
  const amount = params.integer(name, { required: true })!;
  const minimum = MINIMUM_CHARGE[currency] ?? 50;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, { param: params.path(name), code: 'amount_too_small' });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${formatAmount(MAX_AMOUNT, currency)}`, { param: params.path(name), code: 'amount_too_large' });
  }
  return amount;
}

export function formatAmount(amount: number, currency: string): string {
  const zeroDecimal = ZERO_DECIMAL.has(currency);
  const major = zeroDecimal ? String(Math.abs(amount)) : (Math.abs(amount) / 100).toFixed(2);
  const grouped = major.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = amount < 0 ? '-' : '';
  const symbol = SYMBOL[currency];
  return symbol ? `${sign}${symbol}${grouped}` : `${sign}${grouped} ${currency.toUpperCase()}`;
}

/** A card processing fee like Stripe's US pricing (2.9% + 30¢), for balance transactions. */
export function processingFee(amount: number): number {
  return Math.round(amount * 0.029) + 30;
}
