/**
 * Stripe's error objects. The SDK picks its error class from the HTTP status (400/404 → StripeInvalidRequestError,
 * 401 → StripeAuthenticationError, 402 → StripeCardError, 5xx → StripeAPIError) and `type: 'idempotency_error'`,
 * and copies every field below onto the thrown error, so status, type and field names must match exactly.
 */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

function withDocUrl(body: StripeErrorBody): StripeErrorBody {
  return body.code && !body.doc_url ? { ...body, doc_url: `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` } : body;
}

export function invalidRequest(message: string, opts: { param?: string; code?: string; status?: number } = {}): StripeApiError {
  return new StripeApiError(opts.status ?? 400, withDocUrl({ type: 'invalid_request_error', message, code: opts.code, param: opts.param }));
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
}

/** The names Stripe uses in "No such …" messages. */
export const RESOURCE_NAMES = {
  customers: 'customer',
  payment_methods: 'PaymentMethod',
  setup_intents: 'setupintent',
  payment_intents: 'payment_intent',
  charges: 'charge',
  refunds: 'refund',
  balance_transactions: 'balance transaction',
  invoiceitems: 'invoiceitem',
  invoices: 'invoice',
  events: 'event',
} as const;

export function resourceMissing(kind: keyof typeof RESOURCE_NAMES, id: string, param = 'id'): StripeApiError {
  return invalidRequest(`No such ${RESOURCE_NAMES[kind]}: '${id}'`, { param, code: 'resource_missing', status: 404 });
}

export function unexpectedState(message: string, code: string, param?: string): StripeApiError {
  return invalidRequest(message, { code, param });
}

export function cardError(fields: Omit<StripeErrorBody, 'type'>): StripeApiError {
  return new StripeApiError(402, withDocUrl({ type: 'card_error', ...fields }));
}

export function apiError(message: string): StripeApiError {
  return new StripeApiError(500, { type: 'api_error', message });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { status: 404 },
  );
}
