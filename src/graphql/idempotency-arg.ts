import { Arg } from 'type-graphql';

/**
 * Every mutation takes an optional `idempotencyKey`, the in-band twin of the Idempotency-Key header. The
 * GraphQL HTTP layer reads it from the document before execution (graphql/idempotent-execution.ts); the
 * resolver itself never needs the value.
 */
export function IdempotencyKeyArg() {
  return Arg('idempotencyKey', () => String, {
    nullable: true,
    description: 'Makes a retried mutation safe: the same key and request replay the first response.',
  });
}
