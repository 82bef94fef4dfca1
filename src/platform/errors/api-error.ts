import { GraphQLError } from 'graphql';
import { ERROR_STATUS, ErrorCode } from './catalogue';

/**
 * The one error type services throw for failures a user can cause. It is a GraphQLError so a resolver can
 * let it pass untouched; `extensions.code`/`status` carry it to the GraphQL response and the REST mapper.
 */
export class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds, for 429 and 503. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, opts: { retryAfter?: number; field?: string } = {}) {
    const status = ERROR_STATUS[code];
    super(message, {
      extensions: { code, status, ...(opts.field ? { field: opts.field } : {}), ...(opts.retryAfter ? { retryAfter: opts.retryAfter } : {}) },
    });
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfter = opts.retryAfter;
  }
}

export const invalidRequest = (message: string, field?: string) => new ApiError('invalid_request', message, { field });

export const notFound = (code: ErrorCode, what: string) => new ApiError(code, `${what} not found`);
