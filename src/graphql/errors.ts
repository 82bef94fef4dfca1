import type { Response } from 'express';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { normalizeError } from '../platform/errors';
import { withoutSuggestions } from './validation';

export type GraphQLErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Apollo's formatError (and the WebSocket server's): every error leaves with `extensions.code` and
 * `extensions.status` from the one catalogue. No stack, no SQL, no internal message ever leaves; unexpected
 * errors are logged by the plugin. With `hideSchemaDetails` (introspection off) "Did you mean …?" hints, which
 * name fields, types and enum values, are cut from every message, validation and variable coercion alike.
 */
export function graphqlErrorFormatter(opts: { hideSchemaDetails: boolean }): GraphQLErrorFormatter {
  return (formatted, error) => {
    const { body } = normalizeError(error);
    const extensions: Record<string, unknown> = { code: body.code, status: body.status };
    const field = (error as GraphQLError)?.extensions?.field ?? ((error as GraphQLError)?.originalError as GraphQLError | undefined)?.extensions?.field;
    if (field) extensions.field = field;
    if (body.retryAfter) extensions.retryAfter = body.retryAfter;
    const message = opts.hideSchemaDetails ? withoutSuggestions(body.message) : body.message;
    return { message, locations: formatted.locations, path: formatted.path, extensions };
  };
}

export const formatGraphQLError = graphqlErrorFormatter({ hideSchemaDetails: false });

/**
 * A GraphQL error response written outside Apollo (body parsing, rate limits, the idempotency wrapper). Refusals
 * before execution carry their own HTTP status; failures of an executed operation answer 200 like Apollo does
 * (`executed: true`), except internal errors, which stay 500.
 */
export function sendGraphQLError(res: Response, err: unknown, opts: { executed?: boolean } = {}): void {
  const { body, unexpected } = normalizeError(err, res.locals.requestId);
  if (unexpected) res.locals.unexpectedError = unexpected;
  if (body.retryAfter) res.setHeader('Retry-After', String(body.retryAfter));
  const extensions: Record<string, unknown> = { code: body.code, status: body.status };
  if (body.code === 'internal_error') extensions.requestId = res.locals.requestId;
  res.status(opts.executed && body.status !== 500 ? 200 : body.status).json({ errors: [{ message: body.message, extensions }] });
}
