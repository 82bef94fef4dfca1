import { StripeApiError } from './errors';

const MISSING =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

function unauthorized(message: string): StripeApiError {
  // Stripe answers 401 with type invalid_request_error; the SDK maps the status to StripeAuthenticationError.
  return new StripeApiError(401, { type: 'invalid_request_error', message }, { 'WWW-Authenticate': 'Basic realm="Stripe"' });
}

/** The API key of a request, by Bearer or Basic auth as Stripe accepts both; throws Stripe's 401 when it isn't ours. */
export function authenticate(header: string | undefined, secretKey: string): string {
  if (!header) throw unauthorized(MISSING);
  const [scheme, credentials = ''] = header.trim().split(/\s+/, 2);
  let key = '';
  if (/^bearer$/i.test(scheme)) key = credentials;
  else if (/^basic$/i.test(scheme)) key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  if (!key) throw unauthorized(MISSING);
  if (key !== secretKey) {
    if (key.startsWith('pk_')) throw unauthorized('This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.');
    throw unauthorized(`Invalid API Key provided: ${redact(key)}`);
  }
  return key;
}

/** Stripe echoes a bad key with all but its prefix and last four characters masked. */
function redact(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  return rest.length <= 4 ? `${prefix}${'*'.repeat(rest.length)}` : `${prefix}${'*'.repeat(rest.length - 4)}${rest.slice(-4)}`;
}
