import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { normalizeError } from '../platform/errors';

/**
 * Apollo's formatError: every error leaves with `extensions.code` and `extensions.status` from the one
 * catalogue. No stack, no SQL, no internal message ever leaves; unexpected errors are logged by the plugin.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { body } = normalizeError(error);
  const extensions: Record<string, unknown> = { code: body.code, status: body.status };
  const field = (error as GraphQLError)?.extensions?.field ?? ((error as GraphQLError)?.originalError as GraphQLError | undefined)?.extensions?.field;
  if (field) extensions.field = field;
  if (body.retryAfter) extensions.retryAfter = body.retryAfter;
  return { message: body.message, locations: formatted.locations, path: formatted.path, extensions };
}
