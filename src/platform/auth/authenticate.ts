import { ApiError } from '../errors';
import { Db } from '../db/client';
import { parseApiKey, secretMatches } from './api-key-format';
import { Actor, isScope, Scope } from './scopes';

/** Authentication is decided once per request; its failure is raised only where an operation needs an actor. */
export type AuthResult = { actor: Actor; error?: undefined } | { actor?: undefined; error: ApiError };

const BEARER = /^Bearer ([^\s]+)$/;

export async function authenticate(db: Db, authorization: string | undefined, requestId: string): Promise<AuthResult> {
  const match = authorization ? BEARER.exec(authorization.trim()) : null;
  if (!match) {
    return { error: new ApiError('authentication_required', 'Send your API key as "Authorization: Bearer <key>"') };
  }
  const invalid = { error: new ApiError('invalid_credentials', 'The API key is unknown, revoked or expired') };
  const parsed = parseApiKey(match[1]);
  if (!parsed) return invalid;
  const key = await db.apiKey.findUnique({
    where: { prefix: parsed.prefix },
    select: { id: true, tenantId: true, secretHash: true, scopes: true, revokedAt: true, expiresAt: true, tenant: { select: { status: true } } },
  });
  if (!key || !secretMatches(parsed.secret, key.secretHash)) return invalid;
  const now = Date.now();
  if (key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return invalid;
  if (key.tenant.status === 'suspended') {
    return { error: new ApiError('tenant_suspended', 'This tenant is suspended; contact support') };
  }
  return {
    actor: { tenantId: key.tenantId, keyId: key.id, scopes: new Set(key.scopes.filter(isScope) as Scope[]), requestId },
  };
}

export function actorOf(auth: AuthResult | undefined): Actor {
  if (!auth) throw new ApiError('authentication_required', 'Send your API key as "Authorization: Bearer <key>"');
  if (auth.error) throw auth.error;
  return auth.actor;
}
