import type { Server } from 'node:http';
import { ExecutionArgs, getOperationAST, GraphQLError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { randomUUID } from 'node:crypto';
import { authenticate, AuthResult } from '../platform/auth/authenticate';
import { PrismaClient } from '../platform/db/client';
import type { NoticeListener } from '../platform/db/listener';
import { ServiceDeps } from '../platform/service-deps';
import { graphqlErrorFormatter } from './errors';
import { GatewayContext, makeContext } from './context';
import { checkQueryLimits, QueryLimits } from './limits';
import { watchSocketKeys } from './ws-key-watch';
import { SubscriptionLimiter, SubscriptionLimits } from './ws-limits';
import { DocumentRules, parseAndValidate } from './validation';
import { subscribeSharingResults } from './ws-shared-execution';
import { serveGraphqlWs } from './ws-transport';

export interface WsDeps {
  schema: GraphQLSchema;
  httpServer: Server;
  path: string;
  prisma: PrismaClient;
  services: ServiceDeps;
  limits: QueryLimits;
  documentRules: DocumentRules;
  /** Largest WebSocket message accepted (BODY_LIMIT_BYTES, as for HTTP); a bigger one closes the socket (1009). */
  maxMessageBytes: number;
  /**
   * How often open sockets' keys are re-checked (a notice lost while the listener was away); revocation,
   * suspension and expiry themselves close sockets at once (ws-key-watch.ts).
   */
  keyRecheckMs: number;
  /** The instance's PostgreSQL notice listener: revocations and suspensions, whoever made them. */
  notices: Pick<NoticeListener, 'add'>;
  subscriptionLimits: SubscriptionLimits;
  /** Bad frames and failures inside the hooks are reported here (never on the console). */
  logger: Logger;
}

/** The key may come as `Authorization`, `authorization`, or inside `headers` (GraphiQL sends its header editor's JSON). */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const headers = (params.headers && typeof params.headers === 'object' ? params.headers : params) as Record<string, unknown>;
  const value = headers.Authorization ?? headers.authorization;
  return typeof value === 'string' ? value : undefined;
}

// Close codes in graphql-ws's 44xx range: the client learns why it was refused and must not blindly reconnect.
const CLOSE_FOR: Record<string, number> = { authentication_required: 4401, invalid_credentials: 4401, tenant_suspended: 4403 };

/** graphql-ws on the same port and path as HTTP GraphQL; the API key travels in `connection_init`. */
export function startSubscriptionServer(deps: WsDeps) {
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: deps.path, maxPayload: deps.maxMessageBytes });
  const format = graphqlErrorFormatter({ hideSchemaDetails: !deps.documentRules.introspection });
  const formatted = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));
  const keys = watchSocketKeys({ prisma: deps.prisma, notices: deps.notices, intervalMs: deps.keyRecheckMs });
  const limiter = new SubscriptionLimiter(deps.subscriptionLimits);
  type Extra = { auth?: AuthResult; connectionId: string; authorization?: string };
  const handle = serveGraphqlWs<Record<string, unknown>, Extra>(
    {
      schema: deps.schema,
      // An event reaching many subscribers of one tenant is executed once per distinct selection, not per socket.
      subscribe: subscribeSharingResults,
      onConnect: async (ctx) => {
        ctx.extra.connectionId = randomUUID();
        ctx.extra.authorization = authorizationOf(ctx.connectionParams);
        const auth = await authenticate(deps.prisma, ctx.extra.authorization, ctx.extra.connectionId);
        if (auth.error) {
          ctx.extra.socket.close(CLOSE_FOR[auth.error.code] ?? 4403, auth.error.code);
          return false;
        }
        ctx.extra.auth = auth;
        if (auth.actor.keyId) keys.watch(ctx.extra.socket, { keyId: auth.actor.keyId, tenantId: auth.actor.tenantId, expiresAt: auth.keyExpiresAt });
        return true;
      },
      // Parsed and validated here, under the same token limit, introspection rule and query limits as HTTP; the
      // execution arguments returned tell graphql-ws not to parse and validate again.
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        // The key is checked again for every operation, so a socket opened before its key was revoked or expired
        // (or its tenant suspended) starts nothing more, even before the periodic re-check closes it.
        const auth = await authenticate(deps.prisma, ctx.extra.authorization, ctx.extra.connectionId ?? randomUUID());
        if (auth.error) {
          ctx.extra.socket.close(CLOSE_FOR[auth.error.code] ?? 4403, auth.error.code);
          return [auth.error];
        }
        const read = parseAndValidate(deps.schema, payload.query, deps.documentRules);
        if (read.errors) return read.errors;
        const { document } = read;
        try {
          checkQueryLimits(deps.schema, document, payload.operationName, payload.variables ?? undefined, deps.limits);
          const tenantId = ctx.extra.auth?.actor?.tenantId;
          if (tenantId && getOperationAST(document, payload.operationName)?.operation === 'subscription') {
            const refused = limiter.acquire(ctx.extra.connectionId ?? '', tenantId, id);
            if (refused) return [refused];
          }
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        return { schema: deps.schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onComplete: (ctx, id) => limiter.release(ctx.extra.connectionId ?? '', id),
      // Every refusal (syntax, validation, limits, scopes) and a stream that failed mid-way (the event bus went
      // down: service_unavailable) leave formatted like an HTTP error: code and status.
      onError: (ctx, id, _payload, errors) => {
        limiter.release(ctx.extra.connectionId ?? '', id);
        return formatted(errors);
      },
      onClose: (ctx) => limiter.releaseSocket(ctx.extra.connectionId ?? ''),
      // Subscription results bypass Apollo, so their errors get the same formatting here.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: formatted(result.errors) as unknown as GraphQLError[] } : result,
      context: (ctx): GatewayContext => makeContext(deps.services, ctx.extra.connectionId ?? randomUUID(), ctx.extra.auth),
    },
    wsServer,
    { logger: deps.logger },
  );
  return {
    wsServer,
    async close() {
      keys.close();
      await handle.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
