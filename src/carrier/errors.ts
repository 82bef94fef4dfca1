/**
 * The one error type the carrier throws. The gateway maps `code` onto its own catalogue; suggested mapping:
 *
 *   invalid_number         → 400 invalid_request (the caller sent something that isn't E.164)
 *   number_not_found       → 404 number_not_found (release) / 400 order_invalid (order)
 *   number_not_available   → 400 order_invalid (taken upstream or in quarantine)
 *   order_invalid          → 400 order_invalid (empty or duplicate list, orderRef reused for other numbers)
 *   order_not_found        → a gateway bug: it polled an id the carrier never issued
 *   porting_not_supported  → 422 porting_not_supported
 *   call_leg_ended         → 409 call_already_ended (a command on a leg that hung up)
 *   call_leg_not_answered  → 409 call_not_in_required_state (a media command before the answer)
 *   conference_closed      → 409 conference_action_invalid (a command on a conference room that has ended)
 *   conference_member_absent → 409 conference_action_invalid (a change to a member who left the room)
 *   upstream_error         → 502 upstream_error (retriable: back off and retry, with the same orderRef for orders)
 */
export type CarrierErrorCode =
  | 'invalid_number'
  | 'number_not_found'
  | 'number_not_available'
  | 'order_invalid'
  | 'order_not_found'
  | 'porting_not_supported'
  | 'call_leg_ended'
  | 'call_leg_not_answered'
  | 'conference_closed'
  | 'conference_member_absent'
  | 'upstream_error';

export interface CarrierErrorOptions {
  /** Defaults to true for upstream_error, false otherwise. */
  retriable?: boolean;
  /** The number the error is about, when there is one. */
  phoneNumber?: string;
}

export class CarrierError extends Error {
  readonly code: CarrierErrorCode;
  readonly retriable: boolean;
  readonly phoneNumber?: string;

  constructor(code: CarrierErrorCode, message: string, opts: CarrierErrorOptions = {}) {
    super(message);
    this.name = 'CarrierError';
    this.code = code;
    this.retriable = opts.retriable ?? code === 'upstream_error';
    if (opts.phoneNumber !== undefined) this.phoneNumber = opts.phoneNumber;
  }
}

export function isCarrierError(error: unknown, code?: CarrierErrorCode): error is CarrierError {
  return error instanceof CarrierError && (code === undefined || error.code === code);
}

export const invalidNumber = (value: unknown): CarrierError =>
  new CarrierError('invalid_number', `${JSON.stringify(value)} is not a valid E.164 number`, {
    phoneNumber: typeof value === 'string' ? value : undefined,
  });
