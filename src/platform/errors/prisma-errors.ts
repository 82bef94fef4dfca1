import { ApiError } from './api-error';

// Prisma's known request errors mapped once, here. Services that expect a specific violation (a unique key
// meaning "already taken") catch it themselves and throw their own code; whatever reaches this map is generic.
const PRISMA_CODES: Record<string, () => ApiError> = {
  P2002: () => new ApiError('conflict', 'The resource already exists'),
  P2025: () => new ApiError('not_found', 'Resource not found'),
  P2003: () => new ApiError('invalid_request', 'A referenced resource does not exist'),
  P2034: () => new ApiError('conflict', 'The request conflicted with a concurrent change; retry it'),
};

// Postgres SQLSTATEs that mean "the database is unreachable or going away", seen through pg or the adapter.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
// Prisma's own codes for the same: can't reach / timed out reaching the server, connection closed, and no pool
// connection free in time (every one busy or broken while the server is away).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
// What pg says of a connection the server dropped; its error then carries no code.
const UNAVAILABLE_MESSAGES = /Can't reach database|Connection terminated|connection.*(refused|closed)|not queryable|terminating connection|server closed the connection/i;

const unavailable = () => new ApiError('service_unavailable', 'The database is unavailable; retry shortly', { retryAfter: 2 });

export function fromDatabaseError(err: unknown): ApiError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; cause?: unknown; name?: string; message?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (typeof e.code === 'string') {
    if (PRISMA_CODES[e.code]) return PRISMA_CODES[e.code]();
    if (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code) || UNAVAILABLE_PRISMA_CODES.has(e.code)) return unavailable();
    // A raw query's failure (P2010) wraps the driver's error: its SQLSTATE decides, as if pg had thrown it.
    const sqlstate = e.meta?.driverAdapterError?.cause?.originalCode;
    if (typeof sqlstate === 'string' && sqlstate !== e.code) {
      const mapped = fromDatabaseError({ code: sqlstate });
      if (mapped) return mapped;
    }
    if (e.code === '22P02' || e.code === '22003' || e.code === 'P2023') {
      // A value the column cannot hold (a malformed uuid, an out-of-range number) that validation let through.
      return new ApiError('invalid_request', 'A value in the request is malformed or out of range');
    }
    if (e.code === '22021' || e.code === '22P05') {
      // Text PostgreSQL cannot store: a NUL character (JSON allows \u0000) anywhere in a string of the request.
      return new ApiError('invalid_request', 'A string in the request contains a character that cannot be stored (such as \\u0000)');
    }
    if (e.code === '40001' || e.code === '40P01') {
      return new ApiError('conflict', 'The request conflicted with a concurrent change; retry it');
    }
  }
  if (e.name === 'PrismaClientInitializationError' || UNAVAILABLE_MESSAGES.test(e.message ?? '')) return unavailable();
  return e.cause && e.cause !== err ? fromDatabaseError(e.cause) : undefined;
}
