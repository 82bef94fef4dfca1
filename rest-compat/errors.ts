import type { Response } from 'express';
import { normalizeError } from '../src/platform/errors';

export interface RestErrorResponse {
  status: number;
  body: { error: { code: string; message: string; request_id?: string } };
  retryAfter?: number;
  unexpected?: unknown;
}

/** The REST envelope: `{"error":{"code","message"}}` with the catalogue's status (internal errors name the request id). */
export function restError(err: unknown, requestId: string): RestErrorResponse {
  const { body, unexpected } = normalizeError(err, requestId);
  const error: RestErrorResponse['body']['error'] = { code: body.code, message: body.message };
  if (body.code === 'internal_error') error.request_id = requestId;
  return { status: body.status, body: { error }, retryAfter: body.retryAfter, unexpected };
}

export function sendRestError(res: Response, err: unknown): void {
  const out = restError(err, res.locals.requestId);
  if (out.unexpected) res.locals.unexpectedError = out.unexpected;
  if (out.retryAfter) res.setHeader('Retry-After', String(out.retryAfter));
  res.status(out.status).json(out.body);
}
