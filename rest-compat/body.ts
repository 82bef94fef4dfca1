import { coerceInputValue, GraphQLInputObjectType, GraphQLInputType, GraphQLList, GraphQLNonNull, isInputObjectType, isListType, isNonNullType } from 'graphql';
import { ApiError, invalidRequest } from '../src/platform/errors';
import { camelCase, snakeCase } from './route';

/**
 * A REST JSON body → the GraphQL input it stands for. The GraphQL input type is the single definition of the
 * body: unknown fields, missing required ones and wrong types are refused here with the snake_case field name,
 * so REST callers get `400 invalid_request` naming the field, exactly as the spec promises.
 */
export function bodyToInput(body: unknown, type: GraphQLInputObjectType): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object');
  const input = renameKeys(body, type, []) as Record<string, unknown>;
  let failure: ApiError | undefined;
  coerceInputValue(input, type, (path, _invalid, error) => {
    if (failure) return;
    const field = path.filter((p): p is string => typeof p === 'string').map(snakeCase).join('.');
    failure = invalidRequest(describe(field, error.message), field || undefined);
  });
  if (failure) throw failure;
  return input;
}

function renameKeys(value: unknown, type: GraphQLInputType, path: string[]): unknown {
  const named = isNonNullType(type) ? type.ofType : type;
  if (isListType(named)) return Array.isArray(value) ? value.map((v) => renameKeys(v, (named as GraphQLList<GraphQLInputType>).ofType, path)) : value;
  if (!isInputObjectType(named) || !value || typeof value !== 'object' || Array.isArray(value)) return value;
  const fields = named.getFields();
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = camelCase(key);
    const here = [...path, key].join('.');
    // The body speaks snake_case only: a camelCase key is as unknown as a misspelt one.
    if (!fields[name] || snakeCase(name) !== key) throw invalidRequest(`Unknown field: ${here}`, here);
    out[name] = renameKeys(v, fields[name].type as GraphQLInputType | GraphQLNonNull<GraphQLInputType>, [...path, key]);
  }
  return out;
}

function describe(field: string, message: string): string {
  const missing = /^Field "(\w+)" of required type .* was not provided\.$/.exec(message);
  if (missing) return `Missing required field: ${[field, snakeCase(missing[1])].filter(Boolean).join('.')}`;
  const readable = message.replace(/"(\w+)"/g, (_m, n: string) => `"${snakeCase(n)}"`);
  return field ? `Invalid value for ${field}: ${readable}` : readable;
}
