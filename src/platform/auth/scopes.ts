import { ApiError } from '../errors';

export const SCOPES = [
  'numbers:read',
  'numbers:write',
  'calls:read',
  'calls:write',
  'billing:read',
  'billing:write',
  'webhooks:read',
  'webhooks:write',
  // The audit log of the tenant: who changed what, when (GET /v1/audit).
  'audit:read',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is acting: every service call takes one, so tenancy and scopes are enforced where the rules live. */
export interface Actor {
  tenantId: string;
  /** The API key's id; null for the system (jobs, webhooks) and the admin CLI. */
  keyId: string | null;
  scopes: ReadonlySet<Scope>;
  requestId: string;
  /** How a keyless actor is named in the audit log: 'system' for jobs and webhooks, 'admin_cli' for the CLI. */
  label?: string;
}

export function hasScope(actor: Actor, scope: Scope): boolean {
  // `admin` holds every scope: support staff act on a tenant's whole account.
  return actor.scopes.has(scope) || actor.scopes.has('admin');
}

export function requireScope(actor: Actor, scope: Scope): void {
  if (!hasScope(actor, scope)) {
    throw new ApiError('forbidden', `This API key lacks the ${scope} scope required for this operation`);
  }
}

export function systemActor(tenantId: string, requestId: string, label = 'system'): Actor {
  return { tenantId, keyId: null, scopes: new Set<Scope>(['admin']), requestId, label };
}
