// The one table of error codes → HTTP status (spec/voepy-errors.txt, plus the credit-hold codes of
// spec/credit-holds-errors.txt that can surface). GraphQL formatting and the REST mapper both read it, so the
// two APIs can never disagree about a code's status.

export const ERROR_STATUS = {
  // Auth & access
  authentication_required: 401,
  invalid_credentials: 401,
  tenant_suspended: 403,
  forbidden: 403,
  // Billing
  balance_insufficient: 402,
  daily_spend_cap_exceeded: 403,
  concurrent_call_cap_exceeded: 403,
  auto_recharge_failed: 402,
  payment_method_required: 400,
  subscription_invalid: 422,
  topup_amount_too_low: 400,
  // Calls
  from_number_not_owned: 403,
  country_blocked: 403,
  country_not_allowed: 403,
  prefix_blocked: 403,
  call_already_ended: 409,
  call_not_in_required_state: 409,
  recording_not_ready: 409,
  idempotency_conflict: 409,
  unprocessable: 422,
  upstream_error: 502,
  // Phone numbers
  no_pricing_tier_configured: 422,
  insufficient_balance: 402,
  order_invalid: 400,
  number_not_yet_active: 409,
  messaging_profile_not_provisioned: 409,
  number_not_found: 404,
  release_not_permitted: 409,
  // Webhooks
  invalid_target_url: 400,
  event_types_required: 400,
  subscription_not_found: 404,
  signing_secret_unavailable: 404,
  // Porting
  porting_not_supported: 422,
  csr_mismatch: 422,
  documents_required: 422,
  porting_in_progress: 409,
  // Conferences
  conference_not_found: 404,
  conference_full: 409,
  participant_not_found: 404,
  conference_action_invalid: 409,
  // Recordings / streams / transcription
  recording_already_stopped: 409,
  streaming_already_active: 409,
  streaming_not_found: 404,
  transcription_already_active: 409,
  transcription_not_active: 409,
  // Credit holds (the ledger's freeze / consume / unfreeze machinery)
  no_consumable_freeze_records: 409,
  freeze_records_already_consumed: 409,
  no_unfreezable_records: 409,
  actual_amount_exceeds_frozen_amount: 409,
  transaction_conflict: 409,
  customer_scope_mismatch: 409,
  // Beyond the reference: a card payment the issuer refused (Stripe's card_error); the message says why.
  card_declined: 402,
  // GraphQL only: operations refused before execution by the query limits.
  query_too_deep: 400,
  query_too_complex: 400,
  // Generic
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  service_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
