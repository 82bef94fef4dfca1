import { ApolloServer, HeaderMap, HTTPGraphQLResponse } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import { DocumentNode, Kind, OperationDefinitionNode, parse } from 'graphql';
import { AuthResult } from '../platform/auth/authenticate';
import { Db, PrismaClient } from '../platform/db/client';
import { ApiError } from '../platform/errors';
import { requestHash, runIdempotent, validateIdempotencyKey } from '../platform/idempotency';
import { ServiceDeps } from '../platform/service-deps';
import { GatewayContext, makeContext } from './context';
import { sendGraphQLError } from './errors';
import { isSelfKeyed } from './self-keyed-mutations';
import { FastQueryDeps, runFastQuery } from './fast-query';

export interface GraphQLHttpDeps {
  server: ApolloServer<GatewayContext>;
  prisma: PrismaClient;
  services: ServiceDeps;
  idempotencyTtlHours: number;
  /** Plain successful queries without Apollo's pipeline (fast-query.ts); absent → everything through Apollo. */
  fastQuery?: FastQueryDeps;
}

/**
 * POST/GET /graphql. Like Apollo's Express integration, plus one thing it cannot do: a mutation sent with an
 * Idempotency-Key (header or `idempotencyKey` argument) runs inside the idempotency transaction, so its side
 * effects and its stored response commit together (self-keyed mutations excepted: self-keyed-mutations.ts).
 */
export function graphqlHttpHandler(deps: GraphQLHttpDeps): RequestHandler {
  return async (req, res) => {
    // One operation per request: rate limiting, idempotency and the query limits all count requests, and a batch
    // would run many operations for the price of one.
    if (Array.isArray(req.body)) {
      return sendGraphQLError(res, new ApiError('invalid_request', 'Batched operations (a JSON array body) are not accepted; send one operation per request'));
    }
    const auth = res.locals.auth as AuthResult | undefined;
    const execute = (db: Db, idempotencyKey?: string) =>
      deps.server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: toApolloRequest(req),
        context: async (): Promise<GatewayContext> => makeContext(deps.services, res.locals.requestId, auth, db, idempotencyKey),
      });

    try {
      const fast = deps.fastQuery ? await runFastQuery(deps.fastQuery, req, res.locals.requestId, auth) : undefined;
      if (fast !== undefined) return sendJson(req, res, 200, `${fast}\n`);
      const idempotency = auth?.actor ? idempotencyOf(req) : undefined;
      if (!idempotency || !auth?.actor) return await send(req, res, await execute(deps.prisma));

      const outcome = await runIdempotent(
        deps.prisma,
        { tenantId: auth.actor.tenantId, key: idempotency.key, operation: idempotency.operation, requestHash: idempotency.hash },
        { ttlHours: deps.idempotencyTtlHours, selfKeyed: idempotency.selfKeyed },
        async (db) => {
          const response = await execute(db, idempotency.key);
          const text = await bodyText(response);
          const body = JSON.parse(text) as { errors?: unknown[] };
          return { status: response.status ?? 200, body, succeeded: !body.errors?.length };
        },
      );
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
      sendJson(req, res, outcome.status, JSON.stringify(outcome.body));
    } catch (err) {
      sendGraphQLError(res, err, { executed: true });
    }
  };
}

function toApolloRequest(req: Request) {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
  return { method: req.method.toUpperCase(), headers, search, body: req.body };
}

async function bodyText(response: HTTPGraphQLResponse): Promise<string> {
  if (response.body.kind === 'complete') return response.body.string;
  let text = '';
  for await (const chunk of response.body.asyncIterator) text += chunk;
  return text;
}

async function send(req: Request, res: Response, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.status(response.status ?? 200);
  if (response.body.kind === 'complete') {
    sendBody(req, res, response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function sendJson(req: Request, res: Response, status: number, text: string): void {
  res.status(status).type('application/json');
  sendBody(req, res, text);
}

/**
 * The answer's body. A GET answer goes through res.send for its ETag (a repeated GET query can be answered 304);
 * a POST one is written as it is: Express would hash every body for an ETag no client can use on a POST.
 */
function sendBody(req: Request, res: Response, text: string): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.send(text);
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

// Parsing here happens only for requests that carry an idempotency key; a small cache keeps retries cheap.
const parsedDocuments = new Map<string, DocumentNode>();

function parseCached(query: string): DocumentNode | undefined {
  let doc = parsedDocuments.get(query);
  if (!doc) {
    try {
      doc = parse(query);
    } catch {
      return undefined; // Apollo reports the syntax error itself.
    }
    if (parsedDocuments.size >= 500) parsedDocuments.delete(parsedDocuments.keys().next().value as string);
    parsedDocuments.set(query, doc);
  }
  return doc;
}

interface IdempotencyRequest {
  key: string;
  operation: string;
  hash: string;
  selfKeyed: boolean;
}

/** The idempotency key of a mutation request, from the header or the root fields' `idempotencyKey` argument. */
function idempotencyOf(req: Request): IdempotencyRequest | undefined {
  const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
  if (req.method !== 'POST' || !body || typeof body.query !== 'string') return undefined;
  const doc = parseCached(body.query);
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  const operation = doc && selectOperation(doc, operationName);
  if (!operation || operation.operation !== 'mutation') return undefined;

  const variables = (body.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<string, unknown>;
  const keys = new Set<string>();
  const header = req.get('idempotency-key');
  if (header !== undefined) keys.add(header);
  const fields: string[] = [];
  for (const sel of operation.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    fields.push(sel.name.value);
    const arg = sel.arguments?.find((a) => a.name.value === 'idempotencyKey');
    if (arg?.value.kind === Kind.STRING) keys.add(arg.value.value);
    if (arg?.value.kind === Kind.VARIABLE && typeof variables[arg.value.name.value] === 'string') keys.add(variables[arg.value.name.value] as string);
  }
  if (keys.size === 0) return undefined;
  if (keys.size > 1) throw new ApiError('invalid_request', 'One request takes one idempotency key; the header and the arguments disagree', { field: 'idempotencyKey' });
  const key = validateIdempotencyKey([...keys][0]);
  return { key, operation: `graphql:${fields.join(',')}`, hash: requestHash({ query: body.query, variables, operationName }), selfKeyed: fields.length === operation.selectionSet.selections.length && isSelfKeyed(fields) };
}

function selectOperation(doc: DocumentNode, name: string | undefined): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? ops.find((o) => o.name?.value === name) : ops.length === 1 ? ops[0] : undefined;
}
