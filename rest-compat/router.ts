import { Router, Request, Response } from 'express';
import { DocumentNode, execute, GraphQLInputObjectType, GraphQLSchema, isInputObjectType, Kind, parse, validate } from 'graphql';
import { actorOf, AuthResult } from '../src/platform/auth/authenticate';
import { requireScope, Scope } from '../src/platform/auth/scopes';
import { documentScopes, rootFieldScopes } from '../src/graphql/field-scopes';
import { Db, PrismaClient } from '../src/platform/db/client';
import { requestHash, runIdempotent, validateIdempotencyKey, IdempotentResponse } from '../src/platform/idempotency';
import { ServiceDeps } from '../src/platform/service-deps';
import { makeContext } from '../src/graphql/context';
import { executeQuery } from '../src/graphql/compiled-queries';
import { isSelfKeyed } from '../src/graphql/self-keyed-mutations';
import { ApiError } from '../src/platform/errors';
import { bodyToInput } from './body';
import { restError, sendRestError } from './errors';
import { RestRoute } from './route';

export interface RestDeps {
  schema: GraphQLSchema;
  prisma: PrismaClient;
  services: ServiceDeps;
  routes: RestRoute[];
  idempotencyTtlHours: number;
}

interface CompiledRoute {
  route: RestRoute;
  document: DocumentNode;
  isMutation: boolean;
  bodyType?: GraphQLInputObjectType;
  /** What the key must hold, checked before the request is read: a key without it learns nothing from validation. */
  scopes: Scope[];
  /** The mutation keeps itself exactly-once per Idempotency-Key (graphql/self-keyed-mutations.ts). */
  selfKeyed: boolean;
}

/** Parses and validates every route's document once, at start: a broken table fails the boot, not a request. */
export function compileRoutes(schema: GraphQLSchema, routes: RestRoute[]): CompiledRoute[] {
  const fieldScopes = rootFieldScopes();
  return routes.map((route) => {
    const where = `${route.method} /v1${route.path}`;
    const document = parse(route.document);
    const errors = validate(schema, document);
    if (errors.length) throw new Error(`${where}: invalid GraphQL document: ${errors.map((e) => e.message).join('; ')}`);
    const op = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (!op || op.kind !== Kind.OPERATION_DEFINITION) throw new Error(`${where}: the document has no operation`);
    let bodyType: GraphQLInputObjectType | undefined;
    if (route.bodyInput) {
      const type = schema.getType(route.bodyInput);
      if (!isInputObjectType(type)) throw new Error(`${where}: ${route.bodyInput} is not an input type`);
      bodyType = type;
    }
    const rootFields = op.selectionSet.selections.flatMap((sel) => (sel.kind === Kind.FIELD ? [sel.name.value] : []));
    const isMutation = op.operation === 'mutation';
    return { route, document, isMutation, bodyType, scopes: documentScopes(document, fieldScopes), selfKeyed: isMutation && isSelfKeyed(rootFields) };
  });
}

/** /v1: each route runs its GraphQL operation in-process, on the same schema and context as /graphql. */
export function restRouter(deps: RestDeps): Router {
  const router = Router();
  for (const compiled of compileRoutes(deps.schema, deps.routes)) {
    const { route } = compiled;
    const pattern = `/v1${route.path}`;
    router[route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](route.path, async (req: Request, res: Response) => {
      res.locals.routePattern = pattern;
      try {
        authorize(res.locals.auth as AuthResult | undefined, compiled.scopes);
        const variables = {
          ...route.variables?.(req),
          ...(compiled.bodyType ? { input: route.bodyOptional && req.body === undefined ? null : bodyToInput(req.body, compiled.bodyType) } : {}),
        };
        const run = (db: Db, idempotencyKey?: string) => runOperation(deps, compiled, variables, req, res, db, idempotencyKey);
        const auth = res.locals.auth as AuthResult | undefined;
        const key = req.get('idempotency-key');
        if (route.method === 'GET' || key === undefined || !auth?.actor) {
          const response = await run(deps.prisma);
          return void res.status(response.status).json(response.body);
        }
        const outcome = await runIdempotent(
          deps.prisma,
          {
            tenantId: auth.actor.tenantId,
            key: validateIdempotencyKey(key),
            operation: `${route.method} ${pattern}`,
            requestHash: requestHash({ params: req.params, query: req.query, body: req.body ?? null }),
          },
          { ttlHours: deps.idempotencyTtlHours, selfKeyed: compiled.selfKeyed },
          (db) => run(db, key),
        );
        if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
        res.status(outcome.status).json(outcome.body);
      } catch (err) {
        sendRestError(res, err);
      }
    });
  }
  return router;
}

/** Who may call the route at all, before anything of the request is parsed (401, then 403). */
function authorize(auth: AuthResult | undefined, scopes: Scope[]): void {
  if (scopes.length === 0) return;
  const actor = actorOf(auth);
  for (const scope of scopes) requireScope(actor, scope);
}

async function runOperation(
  deps: RestDeps,
  compiled: CompiledRoute,
  variables: Record<string, unknown>,
  req: Request,
  res: Response,
  db: Db,
  idempotencyKey?: string,
): Promise<IdempotentResponse> {
  const auth = res.locals.auth as AuthResult | undefined;
  const contextValue = {
    ...makeContext(deps.services, res.locals.requestId, auth, db, idempotencyKey),
    // A query writes nothing: it may answer from the tenant row the key check read (platform/auth/authenticate.ts).
    ...(compiled.isMutation || !auth?.actor ? {} : { requestTenant: auth.tenant }),
  };
  const args = { schema: deps.schema, document: compiled.document, variableValues: variables, contextValue };
  // Mutations run once, under graphql-js; reads may run compiled (graphql/compiled-queries.ts).
  const result = compiled.isMutation ? await execute(args) : await executeQuery(args);
  if (result.errors?.length) {
    const out = restError(result.errors[0], res.locals.requestId);
    if (out.unexpected) res.locals.unexpectedError = out.unexpected;
    if (out.retryAfter) res.setHeader('Retry-After', String(out.retryAfter));
    return { status: out.status, body: out.body };
  }
  const data = result.data ?? {};
  if (compiled.route.nullIsNotFound && Object.values(data).every((v) => v === null)) {
    const out = restError(new ApiError('not_found', compiled.route.nullIsNotFound), res.locals.requestId);
    return { status: out.status, body: out.body };
  }
  return { status: compiled.route.status ?? 200, body: compiled.route.shape(data, req) };
}
