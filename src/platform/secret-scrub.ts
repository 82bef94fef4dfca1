// Secrets have recognisable shapes. Whatever carries one into a log line (an error whose message quotes a
// statement's values, a library's debug output, a header someone decided to log), the line is scrubbed of it
// before it is written. Ids around a secret (a key's public prefix, a PaymentIntent's id) are kept for support.

const SHAPES: [RegExp, string][] = [
  // API keys: vpk_<public prefix>_<secret>
  [/\bvpk_([0-9a-f]{16})_[A-Za-z0-9_-]+/g, 'vpk_$1_[redacted]'],
  // Webhook signing secrets, ours and Stripe's
  [/\bwhsec_[A-Za-z0-9_-]+/g, 'whsec_[redacted]'],
  // Stripe secret and restricted keys
  [/\b(sk|rk)_(test|live)_[A-Za-z0-9_]+/g, '$1_$2_[redacted]'],
  // Stripe client secrets of PaymentIntents and SetupIntents: <id>_secret_<token>
  [/\b((?:pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+/g, '$1_secret_[redacted]'],
];

// A card number: 13 to 19 digits (optionally grouped by spaces or dashes) starting like a card network's, and
// passing the Luhn check, so millisecond timestamps and ids are left alone.
const CARD_CANDIDATE = /\b[2-6](?:[ -]?\d){12,18}\b/g;

export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const [shape, replacement] of SHAPES) scrubbed = scrubbed.replace(shape, replacement);
  return scrubbed.replace(CARD_CANDIDATE, (candidate) => (luhnValid(candidate.replace(/[ -]/g, '')) ? '[redacted card number]' : candidate));
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
