/**
 * Stripe's idempotent requests: a POST with an `Idempotency-Key` stores its response for 24 hours, scoped to the API
 * key. The same key with the same endpoint and parameters replays that response (`Idempotent-Replayed: true`); with
 * anything else it is a 400 `idempotency_error`; while the first is still running, a 409 the SDK retries.
 */
export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  endpoint: string;
  params: string;
  createdAt: number;
  response?: StoredResponse;
}

export type IdempotencyDecision =
  | { kind: 'proceed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch'; message: string }
  | { kind: 'in_flight' };

const TTL_MS = 24 * 60 * 60 * 1000;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private lastPrune = Date.now();

  begin(apiKey: string, key: string, endpoint: string, params: string): IdempotencyDecision {
    this.prune();
    const scoped = `${apiKey}\u0000${key}`;
    const entry = this.entries.get(scoped);
    if (!entry) {
      this.entries.set(scoped, { endpoint, params, createdAt: Date.now() });
      return { kind: 'proceed' };
    }
    if (entry.endpoint !== endpoint) {
      return {
        kind: 'mismatch',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      };
    }
    if (entry.params !== params) {
      return {
        kind: 'mismatch',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      };
    }
    return entry.response ? { kind: 'replay', response: entry.response } : { kind: 'in_flight' };
  }

  /**
   * Stores the outcome, or forgets the key when the request never really ran (parameter validation failed, an
   * injected 500): Stripe only saves results once an endpoint started executing, so a fixed retry may reuse the key.
   */
  finish(apiKey: string, key: string, response: StoredResponse | undefined): void {
    const scoped = `${apiKey}\u0000${key}`;
    if (response) {
      const entry = this.entries.get(scoped);
      if (entry) entry.response = response;
    } else {
      this.entries.delete(scoped);
    }
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    for (const [key, entry] of this.entries) if (now - entry.createdAt > TTL_MS) this.entries.delete(key);
  }
}

/** Parameters compared independently of the order the client happened to encode them in. */
export function canonicalParams(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = Object.keys(value as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
