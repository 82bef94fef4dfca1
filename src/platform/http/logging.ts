import pino, { DestinationStream, Logger } from 'pino';
import type { RequestHandler } from 'express';
import { scrubSecrets } from '../secret-scrub';

/** The gateway's logger: JSON lines on stdout, or on `destination` (tests read what a run logged). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Belt and braces: nothing that could hold a key or a secret is ever written, even if someone logs a request.
    redact: {
      paths: [
        'req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'secret', '*.secret', 'apiKey', '*.apiKey', 'plaintext', '*.plaintext',
        'signingSecret', '*.signingSecret', 'signing_secret', '*.signing_secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
        'card', '*.card', 'cvc', '*.cvc',
      ],
      censor: '[redacted]',
    },
  };
  // Redaction above knows field names; a secret inside a string (an error message quoting a statement's values)
  // is caught by its shape as the line is written.
  const target = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(options, { write: (line: string) => void target.write(scrubSecrets(line)) });
}

/** One line per request: id, tenant, method, route, status, duration. Never headers or bodies. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const unexpected = res.locals.unexpectedError;
      const line = {
        requestId: res.locals.requestId,
        tenantId: res.locals.auth?.actor?.tenantId,
        method: req.method,
        route: routeLabel(req, res),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        ...(unexpected ? { err: unexpected } : {}),
      };
      if (unexpected || res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    });
    next();
  };
}

/** The route pattern (`/v1/api-keys/:id`), not the raw path, so ids never explode metric cardinality. */
export function routeLabel(req: { baseUrl?: string; route?: { path?: unknown }; path: string }, res: { locals: Record<string, unknown> }): string {
  if (typeof res.locals.routePattern === 'string') return res.locals.routePattern;
  if (req.route && typeof req.route.path === 'string') return `${req.baseUrl ?? ''}${req.route.path}`;
  return req.path.startsWith('/v1') ? '/v1/*' : req.path.startsWith('/graphql') ? '/graphql' : 'other';
}
