import type { Request } from 'express';
import { DocumentNode, getOperationAST, GraphQLSchema } from 'graphql';
import { AuthResult } from '../platform/auth/authenticate';
import { Metrics } from '../platform/http/metrics';
import { ServiceDeps } from '../platform/service-deps';
import { executeQuery } from './compiled-queries';
import { makeContext } from './context';
import { checkQueryLimits, QueryLimits } from './limits';
import { DocumentRules, parseAndValidate } from './validation';

// The plain query that succeeds (`account`, `phoneNumber(id)`: what dashboards poll) runs here, without Apollo's
// request pipeline. Measured, that pipeline cost half the throughput of the same operation run by the /v1 layer,
// which executes pre-parsed documents directly. Everything that is not that case returns `undefined` and goes
// through Apollo, which answers it exactly as before: another method or body shape, a document that does not
// parse or validate, a mutation or subscription, an operation over the limits, and any error while executing.
// A query has no side effects, so running a failed one again under Apollo changes nothing; it only costs the
// failure a second execution, and Apollo's error formatting stays the one place errors are shaped.

export interface FastQueryDeps {
  schema: GraphQLSchema;
  services: ServiceDeps;
  limits: QueryLimits;
  documentRules: DocumentRules;
  metrics: Metrics;
}

/** Parsed and validated documents by query text; null for one that does not parse or validate (Apollo answers). */
const documents = new Map<string, DocumentNode | null>();
const MAX_DOCUMENTS = 1_000;

export async function runFastQuery(deps: FastQueryDeps, req: Request, requestId: string, auth: AuthResult | undefined): Promise<string | undefined> {
  if (req.method !== 'POST' || !auth?.actor) return undefined;
  const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown } | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.query !== 'string' || body.extensions !== undefined) return undefined;
  if (body.variables !== undefined && body.variables !== null && (typeof body.variables !== 'object' || Array.isArray(body.variables))) return undefined;
  if (body.operationName !== undefined && body.operationName !== null && typeof body.operationName !== 'string') return undefined;
  const document = documentOf(deps, body.query);
  if (!document) return undefined;
  const operationName = (body.operationName as string | null | undefined) ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return undefined;
  const variables = (body.variables ?? undefined) as Record<string, unknown> | undefined;
  try {
    checkQueryLimits(deps.schema, document, operationName, variables, deps.limits);
  } catch {
    return undefined;
  }
  const started = process.hrtime.bigint();
  // A query writes nothing, so the tenant row the key check read is still this request's view of it.
  const contextValue = { ...makeContext(deps.services, requestId, auth), requestTenant: auth.tenant };
  const result = await executeQuery({ schema: deps.schema, document, operationName, variableValues: variables, contextValue });
  if (result.errors?.length) return undefined;
  deps.metrics.observeOperation(operation.name?.value ?? 'anonymous', 'query', 'ok', Number(process.hrtime.bigint() - started) / 1e9);
  return JSON.stringify({ data: result.data });
}

function documentOf(deps: FastQueryDeps, query: string): DocumentNode | null {
  const known = documents.get(query);
  if (known !== undefined) return known;
  const read = parseAndValidate(deps.schema, query, deps.documentRules);
  const document = read.errors ? null : read.document;
  // Oldest first out: a client generating endless distinct documents cannot grow this without bound.
  if (documents.size >= MAX_DOCUMENTS) documents.delete(documents.keys().next().value as string);
  documents.set(query, document);
  return document;
}
