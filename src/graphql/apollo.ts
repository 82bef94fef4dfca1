import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, GraphQLSchema } from 'graphql';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { ApiError, normalizeError } from '../platform/errors';
import type { Metrics } from '../platform/http/metrics';
import { GatewayContext } from './context';
import { graphqlErrorFormatter } from './errors';
import { checkQueryLimits, QueryLimits } from './limits';
import { DocumentRules, extraValidationRules } from './validation';

export interface ApolloOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  limits: QueryLimits;
  documentRules: DocumentRules;
  logger: Logger;
  metrics: Metrics;
  /** Extra cleanup once Apollo has drained (the WebSocket server). */
  onDrain?: () => Promise<void>;
}

export function createApolloServer(opts: ApolloOptions): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema: opts.schema,
    // Introspection is refused by our own validation rule (validation.ts), the same over HTTP and WebSocket, with
    // a message that speaks of this server rather than of Apollo's constructor options.
    introspection: true,
    validationRules: extraValidationRules(opts.documentRules),
    parseOptions: { maxTokens: opts.documentRules.maxTokens },
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGINT/SIGTERM and stops Apollo itself, in order; two stop() calls at once never return.
    stopOnTerminationSignals: false,
    formatError: graphqlErrorFormatter({ hideSchemaDetails: !opts.documentRules.introspection }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: opts.httpServer }),
      ApolloServerPluginLandingPageDisabled(), // the offline playground is served instead (graphql/playground.ts)
      // Apollo installs these by default; each wraps every field resolver (a cost paid per field of every list
      // row) for HTTP cache hints and federation traces, neither of which this gateway uses.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      { async serverWillStart() { return { drainServer: async () => opts.onDrain?.() }; } },
      limitsPlugin(opts.schema, opts.limits),
      observabilityPlugin(opts.logger, opts.metrics),
    ],
  });
}

function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          try {
            checkQueryLimits(schema, document, operationName, request.variables, limits);
          } catch (err) {
            // Refused before execution, like a validation error: the HTTP status says so.
            if (err instanceof ApiError) err.extensions.http = { status: err.status };
            throw err;
          }
        },
      };
    },
  };
}

function observabilityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const { unexpected } = normalizeError(error, contextValue.requestId);
            if (unexpected) logger.error({ err: unexpected, requestId: contextValue.requestId }, 'unexpected error in GraphQL operation');
          }
        },
        async willSendResponse({ response, operationName, operation }) {
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
          // An internal error names the request id, so support can find the logged cause.
          for (const error of (errors ?? []) as GraphQLError[]) {
            if (error.extensions?.code === 'internal_error') (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          metrics.observeOperation(
            operationName ?? 'anonymous',
            operation?.operation ?? 'unknown',
            errors?.length ? String(errors[0].extensions?.code ?? 'error') : 'ok',
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
}
