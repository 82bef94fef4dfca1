import { randomUUID } from 'node:crypto';
import {
  GraphQLField, GraphQLInputType, GraphQLNamedType, GraphQLSchema, getNamedType, isCompositeType, isEnumType, isInputObjectType,
  isListType, isNonNullType, isScalarType,
} from 'graphql';

// Well-formed operations for any root field of the schema, built from its types: the generated tests (scopes,
// isolation, bad input) cover a new query or mutation without anyone writing a case for it.

export type RootType = 'Query' | 'Mutation';

export interface SampleOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** A value of `type` that passes GraphQL's coercion: every required field, nothing optional. */
export function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = sampleValue(f.type);
    return out;
  }
  if (isScalarType(type)) return sampleScalar(type.name);
  throw new Error(`no sample for ${String(type)}`);
}

function sampleScalar(name: string): unknown {
  switch (name) {
    case 'ID':
      return randomUUID();
    case 'Int':
    case 'Float':
    case 'Cents':
      return 100;
    case 'Boolean':
      return true;
    case 'DateTimeISO':
      return new Date().toISOString();
    default:
      return 'x';
  }
}

/** `mutation($a: T!) { field(a: $a) { __typename } }` with sample variables for the required arguments. */
export function sampleOperation(root: RootType, field: GraphQLField<unknown, unknown>): SampleOperation {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const decl = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type) as GraphQLNamedType) ? ' { __typename }' : '';
  const query = `${root.toLowerCase()}${decl ? `(${decl})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
  return { query, variables: Object.fromEntries(required.map((a) => [a.name, sampleValue(a.type)])) };
}

export function rootFields(schema: GraphQLSchema, root: RootType): GraphQLField<unknown, unknown>[] {
  const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return type ? Object.values(type.getFields()) : [];
}
