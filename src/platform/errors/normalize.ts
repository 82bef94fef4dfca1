import { GraphQLError } from 'graphql';
import { ApiError } from './api-error';
import { isErrorCode, statusOf } from './catalogue';
import { fromDatabaseError } from './prisma-errors';

export interface ErrorBody {
  code: string;
  message: string;
  status: number;
  retryAfter?: number;
  requestId?: string;
}

// Apollo's wrappers around failures of parsing or validating the client's document.
const DOCUMENT_STAGES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * Turns anything thrown into what a client may see. A known ApiError passes as it is; GraphQL's own
 * validation/coercion errors are `invalid_request`; database outages are `service_unavailable`; everything
 * else is `internal_error` with the request id, and its real message goes to the log only.
 */
export function normalizeError(err: unknown, requestId?: string): { body: ErrorBody; unexpected?: unknown } {
  // GraphQL wraps what a resolver threw (sometimes twice: Apollo wraps graphql-js); the innermost error decides.
  let original = err;
  let readingDocument = false;
  while (original instanceof GraphQLError && original.originalError) {
    readingDocument ||= DOCUMENT_STAGES.has(String(original.extensions?.code));
    original = original.originalError;
  }
  // Reading the client's document blew the stack (nesting beyond what the token limit lets through): its fault.
  if (readingDocument && original instanceof RangeError) {
    return { body: { code: 'invalid_request', message: 'The document is nested too deeply to be read', status: 400 } };
  }
  if (original instanceof ApiError) {
    return { body: { code: original.code, message: original.message, status: original.status, retryAfter: original.retryAfter } };
  }
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (isErrorCode(code)) return { body: { code, message: original.message, status: statusOf(code) } };
    // Parse, validation and variable-coercion errors: the client sent something malformed.
    return { body: { code: 'invalid_request', message: original.message, status: 400 } };
  }
  const db = fromDatabaseError(original);
  if (db) return { body: { code: db.code, message: db.message, status: db.status, retryAfter: db.retryAfter }, unexpected: db.code === 'service_unavailable' ? original : undefined };
  return {
    body: { code: 'internal_error', message: `Internal error; quote request id ${requestId ?? 'unknown'} to support`, status: 500, requestId },
    unexpected: original,
  };
}
