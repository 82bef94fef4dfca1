import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

// Money is integer cents: BigInt in Postgres and in the services, a `Cents` scalar in GraphQL, `*_cents` numbers
// in REST. The scalar is a JSON number, not GraphQL's 32-bit Int, so balances above $21M still fit; it refuses
// anything that is not a safe integer rather than rounding.

export function centsToNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`cents value ${value} is beyond the safe integer range`);
  return n;
}

function parseCents(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new GraphQLError(`Cents must be a whole number of cents, got ${JSON.stringify(value)}`, { extensions: { code: 'invalid_request' } });
}

export const CentsScalar = new GraphQLScalarType({
  name: 'Cents',
  description: 'An amount of money in integer cents of the account currency (a JSON number, never fractional).',
  serialize(value) {
    if (typeof value === 'bigint') return centsToNumber(value);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    throw new Error(`Cents cannot represent ${String(value)}`);
  },
  parseValue: parseCents,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('Cents must be an integer literal', { extensions: { code: 'invalid_request' } });
    return parseCents(Number(ast.value));
  },
});
