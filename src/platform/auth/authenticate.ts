import { ApiError } from '../errors';
import { Db } from '../db/client';
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
  // One statement for the key and its tenant (status, and the account a read-only request may answer from): this
  // runs before every operation, so it is the gateway's hottest query.
  const [key] = await db.$queryRaw<KeyRow[]>`
    SELECT k.id, k.tenant_id, k.secret_hash, k.scopes, k.revoked_at, k.expires_at, t.status::text AS tenant_status,
           t.name AS tenant_name, t.balance_cents, t.credit_limit_cents, t.held_cents, t.currency
      FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
     WHERE k.prefix = ${parsed.prefix}`;
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

export function actorOf(auth: AuthResult | undefined): Actor {
  if (!auth) throw new ApiError('authentication_required', 'Send your API key as "Authorization: Bearer <key>"');
  if (auth.error) throw auth.error;
  return auth.actor;
}
