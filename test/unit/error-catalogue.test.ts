import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS } from '../../src/platform/errors/catalogue';
import { ApiError, normalizeError } from '../../src/platform/errors';

const SPEC = join(__dirname, '../../../shared/spec/voepy-errors.txt');

// The reference lives in the workplace's shared/ folder beside the clone (CI always has it); a clone elsewhere
// skips this comparison loudly rather than failing on a missing file.
const specPresent = existsSync(SPEC);
if (!specPresent) process.stderr.write(`\n!!! ${SPEC} not found: the catalogue-vs-reference test did not run.\n\n`);

describe('the error catalogue', () => {
  (specPresent ? it : it.skip)('holds every code of the public error reference with its HTTP status', () => {
    const rows = [...readFileSync(SPEC, 'utf8').matchAll(/^([a-z_]+)(\d{3})\S/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(rows.length).toBeGreaterThan(50);
    const mismatches = rows.filter(([code, status]) => ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== status);
    expect(mismatches).toEqual([]);
  });

  it('holds the credit-hold codes that can surface', () => {
    for (const code of ['no_consumable_freeze_records', 'freeze_records_already_consumed', 'no_unfreezable_records', 'actual_amount_exceeds_frozen_amount', 'transaction_conflict', 'customer_scope_mismatch']) {
      expect(ERROR_STATUS).toHaveProperty(code);
    }
  });
});

describe('normalizeError', () => {
  it('passes an ApiError through with its status', () => {
    expect(normalizeError(new ApiError('conference_full', 'full')).body).toEqual({ code: 'conference_full', message: 'full', status: 409, retryAfter: undefined });
  });

  it('turns an unknown failure into internal_error naming the request id and hiding the cause', () => {
    const cause = new Error('relation "secret_table" does not exist at /src/x.ts:12');
    const { body, unexpected } = normalizeError(cause, 'req-42');
    expect(body).toEqual({ code: 'internal_error', status: 500, message: expect.stringContaining('req-42'), requestId: 'req-42' });
    expect(body.message).not.toContain('secret_table');
    expect(unexpected).toBe(cause);
  });

  it('turns a lost database connection into 503 service_unavailable with Retry-After', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(normalizeError(err).body).toMatchObject({ code: 'service_unavailable', status: 503, retryAfter: 2 });
  });
});
