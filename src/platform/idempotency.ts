import { createHash } from 'node:crypto';
import { Db, Prisma, PrismaClient } from './db/client';
import { PREPARED } from './db/prepared';
import { rowsOf } from './db/sql';
import { inTransaction } from './db/transaction';
import { ApiError, invalidRequest } from './errors';

// Idempotency for every mutation, in one place. The request and the record of its response share one
// transaction, serialised per (tenant, key) by an advisory lock: a crash cannot leave a side effect without its
// record, a concurrent duplicate waits (holding no connection) and then replays, and a failed request leaves
// nothing behind, so retrying it is always safe.

export interface IdempotentResponse {
  status: number;
  body: unknown;
  /** False for a failed request (GraphQL reports failures with status 200): roll back, store nothing. */
  succeeded?: boolean;
}

export interface IdempotencyScope {
  tenantId: string;
  key: string;
  /** What was called: `POST /v1/api-keys`, `graphql:createApiKey`. The same key on another operation is a conflict. */
  operation: string;
  /** Hash of everything that defines the request (see requestHash). */
  requestHash: string;
}

export interface IdempotencyOptions {
  ttlHours: number;
  /** How long a duplicate waits for the original before answering 409 conflict. */
  waitMs?: number;
  /** How long the original may run (its transaction stays open meanwhile). */
  timeoutMs?: number;
  /**
   * The operation keeps its own side effect exactly-once per key: it stores the key on what it creates, in the
   * statement that creates it, and a retry or a concurrent twin finds that instead of creating another (placing
   * a call). Its handler then runs outside the idempotency transaction, on the root client, so the operation can
   * commit before it calls out (the dial) instead of holding its locks until the response is stored; the
   * response is recorded afterwards. Replays of a recorded response work as for every other operation.
   */
  selfKeyed?: boolean;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw invalidRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', 'Idempotency-Key');
  return key;
}

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

class Busy {}
class Rejected {
  constructor(readonly response: IdempotentResponse) {}
}

/**
 * Runs `handler` once per key. `handler` gets the transaction to do its work in and returns the response;
 * responses with status ≥ 400 are returned but neither stored nor committed.
 */
export async function runIdempotent(
  prisma: PrismaClient,
  scope: IdempotencyScope,
  opts: IdempotencyOptions,
  handler: (db: Db) => Promise<IdempotentResponse>,
): Promise<IdempotentResponse & { replayed: boolean }> {
  if (opts.selfKeyed) return runSelfKeyed(prisma, scope, opts, handler);
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(
        prisma,
        async (tx) => {
          const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`
            SELECT pg_try_advisory_xact_lock(hashtextextended(${`${scope.tenantId}:${scope.key}`}, 0)) AS locked`;
          if (!locked) throw new Busy();
          const stored = await storedResponse(tx, scope);
          if (stored && stored.expiresAt.getTime() > Date.now()) return replay(stored, scope);
          if (stored) await tx.idempotencyRecord.delete({ where: { tenantId_key: { tenantId: scope.tenantId, key: scope.key } } });
          const response = await handler(tx);
          if (response.status >= 400 || response.succeeded === false) throw new Rejected(response);
          await tx.idempotencyRecord.create({ data: recordOf(scope, response, opts.ttlHours, Date.now()) });
          return { status: response.status, body: response.body, replayed: false };
        },
        { timeoutMs: opts.timeoutMs ?? 30_000 },
      );
    } catch (err) {
      if (err instanceof Rejected) return { ...err.response, replayed: false };
      if (!(err instanceof Busy)) throw err;
      if (Date.now() >= deadline) {
        throw new ApiError('conflict', 'A request with this Idempotency-Key is still in progress; retry later');
      }
      // Back off a little more each time, with jitter so waiting duplicates don't retry in lockstep.
      await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random())));
    }
  }
}

async function runSelfKeyed(
  prisma: PrismaClient,
  scope: IdempotencyScope,
  opts: IdempotencyOptions,
  handler: (db: Db) => Promise<IdempotentResponse>,
): Promise<IdempotentResponse & { replayed: boolean }> {
  // Plain statements (db/sql.ts): a self-keyed operation is a hot one (placing a call), and neither statement
  // needs a transaction.
  const stored = await storedResponse(prisma, scope);
  if (stored && stored.expiresAt.getTime() > Date.now()) return replay(stored, scope);
  const response = await handler(prisma);
  if (response.status >= 400 || response.succeeded === false) return { ...response, replayed: false };
  const now = Date.now();
  if (stored) await prisma.idempotencyRecord.deleteMany({ where: { tenantId: scope.tenantId, key: scope.key, expiresAt: { lte: new Date(now) } } });
  // A twin that ran at the same time may have recorded first: its response describes the same resource.
  const r = recordOf(scope, response, opts.ttlHours, now);
  await rowsOf(prisma, RECORD_SQL, [r.tenantId, r.key, r.operation, r.requestHash, r.responseStatus, JSON.stringify(r.responseBody), r.createdAt, r.expiresAt]);
  return { ...response, replayed: false };
}

interface StoredResponse {
  operation: string;
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
}

/** The response recorded under the scope's key, if any (expired or not): one prepared statement either way. */
async function storedResponse(db: Db, scope: IdempotencyScope): Promise<(StoredResponse & { expiresAt: Date }) | undefined> {
  const [stored] = await rowsOf<StoredResponse & { expiresAt: Date }>(db, STORED_SQL, [scope.tenantId, scope.key]);
  return stored;
}

const STORED_SQL = `${PREPARED}
  SELECT operation, request_hash AS "requestHash", response_status AS "responseStatus", response_body AS "responseBody",
         expires_at AS "expiresAt"
    FROM idempotency_records WHERE tenant_id = $1::uuid AND key = $2`;

const RECORD_SQL = `${PREPARED}
  INSERT INTO idempotency_records (tenant_id, key, operation, request_hash, response_status, response_body, created_at, expires_at)
  VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::jsonb, $7::timestamptz, $8::timestamptz)
  ON CONFLICT (tenant_id, key) DO NOTHING`;

/** The stored record of a successful response, kept `ttlHours` from `now`. */
function recordOf(scope: IdempotencyScope, response: IdempotentResponse, ttlHours: number, now: number): Prisma.IdempotencyRecordCreateManyInput {
  return {
    createdAt: new Date(now),
    tenantId: scope.tenantId,
    key: scope.key,
    operation: scope.operation,
    requestHash: scope.requestHash,
    responseStatus: response.status,
    responseBody: response.body as Prisma.InputJsonValue,
    expiresAt: new Date(now + ttlHours * 3_600_000),
  };
}

function replay(stored: StoredResponse, scope: IdempotencyScope): IdempotentResponse & { replayed: true } {
  if (stored.operation !== scope.operation || stored.requestHash !== scope.requestHash) {
    throw new ApiError('idempotency_conflict', 'This Idempotency-Key was already used for a different request; use a new key');
  }
  return { status: stored.responseStatus, body: stored.responseBody, replayed: true };
}

/** Forgets expired records; run periodically (records are kept at least ttlHours). */
export async function purgeExpiredIdempotencyRecords(prisma: PrismaClient): Promise<number> {
  const { count } = await prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
