import { ApiError } from '../errors';
import { Db } from '../db/client';
import { PREPARED } from '../db/prepared';
import { rowsOf } from '../db/sql';
import { parseApiKey, secretMatches } from './api-key-format';
import { Actor, isScope, Scope } from './scopes';

/** Authentication is decided once per request; its failure is raised only where an operation needs an actor. */
export type AuthResult = { actor: Actor; keyExpiresAt?: Date | null; tenant?: RequestTenant; error?: undefined } | { actor?: undefined; error: ApiError };

/**
 * The key's tenant row as the key check read it, in the same statement, at the start of the request. A read-only
 * operation may answer from it instead of reading the row again (graphql/fast-query.ts); anything that writes
 * must read the row itself.
 */
export interface RequestTenant {
  id: string;
  name: string;
  status: string;
  balanceCents: bigint;
  creditLimitCents: bigint;
  heldCents: bigint;
  currency: string;
}

const BEARER = /^Bearer ([^\s]+)$/;

interface KeyRow {
  id: string;
  tenant_id: string;
  secret_hash: string;
  scopes: string[];
  revoked_at: Date | null;
  expires_at: Date | null;
  tenant_status: string;
  tenant_name: string;
  balance_cents: bigint;
  credit_limit_cents: bigint;
  held_cents: bigint;
  currency: string;
}

// Built only when needed: an error captures a stack trace, which every authenticated request would otherwise pay for.
const invalidKey = (): AuthResult => ({ error: new ApiError('invalid_credentials', 'The API key is unknown, revoked or expired') });

export async function authenticate(db: Db, authorization: string | undefined, requestId: string): Promise<AuthResult> {
  const match = authorization ? BEARER.exec(authorization.trim()) : null;
  if (!match) {
    return { error: new ApiError('authentication_required', 'Send your API key as "Authorization: Bearer <key>"') };
  }
  const parsed = parseApiKey(match[1]);
  if (!parsed) return invalidKey();
  const key = await keyByPrefix(db, parsed.prefix);
  if (!key || !secretMatches(parsed.secret, key.secret_hash)) return invalidKey();
  const now = Date.now();
  if (key.revoked_at || (key.expires_at && key.expires_at.getTime() <= now)) return invalidKey();
  if (key.tenant_status === 'suspended') {
    return { error: new ApiError('tenant_suspended', 'This tenant is suspended; contact support') };
  }
  return {
    actor: { tenantId: key.tenant_id, keyId: key.id, scopes: new Set(key.scopes.filter(isScope) as Scope[]), requestId },
    // A WebSocket outlives the request that authenticated it: it is closed at this instant (graphql/ws-key-watch.ts).
    keyExpiresAt: key.expires_at,
    tenant: {
      id: key.tenant_id,
      name: key.tenant_name,
      status: key.tenant_status,
      balanceCents: key.balance_cents,
      creditLimitCents: key.credit_limit_cents,
      heldCents: key.held_cents,
      currency: key.currency,
    },
  };
}

// One statement for the key and its tenant (status, and the account a read-only request may answer from): it runs
// before every operation, so it is the gateway's hottest query, and hand-written SQL (platform/db/sql.ts) when the
// pool is at hand, and prepared (planned once per connection). The int8 columns are cast to text so both paths
// map them to bigint the same way.
const KEY_SQL = `${PREPARED}
  SELECT k.id, k.tenant_id, k.secret_hash, k.scopes, k.revoked_at, k.expires_at, t.status::text AS tenant_status,
         t.name AS tenant_name, t.balance_cents::text, t.credit_limit_cents::text, t.held_cents::text, t.currency
    FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
   WHERE k.prefix = $1`;

async function keyByPrefix(db: Db, prefix: string): Promise<KeyRow | undefined> {
  const [row] = await rowsOf<KeyRowText>(db, KEY_SQL, [prefix]);
  return row && { ...row, balance_cents: BigInt(row.balance_cents), credit_limit_cents: BigInt(row.credit_limit_cents), held_cents: BigInt(row.held_cents) };
}

type KeyRowText = Omit<KeyRow, 'balance_cents' | 'credit_limit_cents' | 'held_cents'> & { balance_cents: string; credit_limit_cents: string; held_cents: string };

export function actorOf(auth: AuthResult | undefined): Actor {
  if (!auth) throw new ApiError('authentication_required', 'Send your API key as "Authorization: Bearer <key>"');
  if (auth.error) throw auth.error;
  return auth.actor;
}
