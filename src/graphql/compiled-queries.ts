import { DocumentNode, execute, ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

// Queries a client sends again and again (dashboards polling `account`, pages of calls and numbers, the /v1
// routes' fixed documents) run as JavaScript compiled for that document by graphql-jit, instead of graphql-js
// walking the document for every field of every node. Measured on a page of 100 calls, graphql-js's walk was
// the largest single cost in the gateway's own CPU.
//
// Compiled from the second run on: a document seen once (a developer trying something in the playground) is
// not worth compiling. A result with errors is thrown away and the query runs again under graphql-js, so every
// error a client sees (its message, path and code) is the one graphql-js gives: the two differ in wording, for
// variable coercion among others. Queries change nothing, so running one twice only costs the failure time.
// A document graphql-jit refuses to compile always runs under graphql-js.

export const COMPILE_AFTER = 2;

interface Entry {
  runs: number;
  /** null: graphql-jit refused it. */
  compiled?: CompiledQuery | null;
}

/** Per schema, per parsed document, per operation name; documents are held by the caches that parse them. */
const entries = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Entry>>>();

/** graphql-js's `execute` for a query operation, compiled once the document is seen again. */
export async function executeQuery(args: ExecutionArgs): Promise<ExecutionResult> {
  const compiled = compiledFor(args.schema, args.document, args.operationName ?? undefined);
  if (compiled) {
    const result = await compiled.query(args.rootValue, args.contextValue, args.variableValues);
    if (!result.errors?.length) return result;
  }
  return execute(args);
}

/** Whether the operation now runs compiled (for tests). */
export function isCompiled(schema: GraphQLSchema, document: DocumentNode, operationName?: string): boolean {
  return Boolean(entries.get(schema)?.get(document)?.get(operationName ?? '')?.compiled);
}

function compiledFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  let bySchema = entries.get(schema);
  if (!bySchema) entries.set(schema, (bySchema = new WeakMap()));
  let byOperation = bySchema.get(document);
  if (!byOperation) bySchema.set(document, (byOperation = new Map()));
  const key = operationName ?? '';
  let entry = byOperation.get(key);
  if (!entry) byOperation.set(key, (entry = { runs: 0 }));
  if (entry.compiled !== undefined) return entry.compiled;
  entry.runs += 1;
  if (entry.runs < COMPILE_AFTER) return null;
  entry.compiled = compile(schema, document, operationName);
  return entry.compiled;
}

function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  try {
    const compiled = compileQuery(schema, document, operationName);
    return isCompiledQuery(compiled) ? compiled : null;
  } catch {
    return null;
  }
}
