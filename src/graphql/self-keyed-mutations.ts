// Mutations whose services keep their side effects exactly-once per Idempotency-Key themselves (the key is stored
// on the resource they create, in the statement that creates it): their requests run outside the idempotency
// transaction (platform/idempotency.ts, `selfKeyed`). Placing a call is one: its placement commits, and lets go
// of the tenant's placement lock, before the carrier dials.
const SELF_KEYED_MUTATIONS: ReadonlySet<string> = new Set(['placeCall']);

/**
 * True for a mutation of exactly one root field, and that one self-keyed. Anything more keeps the transaction:
 * another mutation beside it needs it, and two placements under one key would find each other's call.
 */
export function isSelfKeyed(rootFields: readonly string[]): boolean {
  return rootFields.length === 1 && SELF_KEYED_MUTATIONS.has(rootFields[0]);
}
