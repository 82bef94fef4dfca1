import express, { RequestHandler } from 'express';
import { ApiError, invalidRequest } from '../errors';

/** JSON bodies only. A body sent with another content type is refused rather than silently ignored. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) && !req.is('application/json')) {
      return next(invalidRequest('Content-Type must be application/json'));
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, type: 'application/json' })];
}

/**
 * Express middleware failures a client caused, as ApiErrors: body-parser's (broken JSON, oversize, bad charset)
 * and any http-error with a 4xx status (a missing static file). Anything else is left for internal_error.
 */
export function clientErrorToApiError(err: unknown, limitBytes: number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const { type, status } = (err ?? {}) as { type?: string; status?: number };
  switch (type) {
    case 'entity.parse.failed':
      return invalidRequest('The request body is not valid JSON');
    case 'entity.too.large':
      return invalidRequest(`The request body exceeds ${limitBytes} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return invalidRequest('The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return invalidRequest('The request body could not be read');
    default:
      if (status === 404) return new ApiError('not_found', 'Not found');
      if (typeof status === 'number' && status >= 400 && status < 500) return invalidRequest('The request could not be handled');
      return undefined;
  }
}
