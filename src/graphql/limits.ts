import { DocumentNode, FragmentDefinitionNode, GraphQLSchema, Kind, SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ApiError } from '../platform/errors';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/** Refuses an operation that is too deep or too expensive, before any resolver runs. */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined | null,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): void {
  const depth = cached(document, `depth:${operationName ?? ''}`, () => operationDepth(document, operationName));
  if (depth > limits.maxDepth) {
    throw new ApiError('query_too_deep', `Query depth ${depth} exceeds the limit of ${limits.maxDepth}`);
  }
  // The cost depends on the variables too (list sizes): cached per document and variables.
  const complexity = cached(document, `cost:${operationName ?? ''}:${JSON.stringify(variables ?? {})}`, () => operationCost(schema, document, operationName, variables));
  if (complexity > limits.maxComplexity) {
    throw new ApiError('query_too_complex', `Query cost ${complexity} exceeds the limit of ${limits.maxComplexity}`);
  }
}

// Apollo (and the REST layer) hand over the same parsed DocumentNode for the same query text, so the limits of
// a document seen before are a lookup instead of a walk of the whole query on every request.
const limitCache = new WeakMap<DocumentNode, Map<string, number>>();
const MAX_ENTRIES_PER_DOCUMENT = 100;

function cached(document: DocumentNode, key: string, compute: () => number): number {
  let entries = limitCache.get(document);
  if (!entries) limitCache.set(document, (entries = new Map()));
  let value = entries.get(key);
  if (value === undefined) {
    value = compute();
    if (entries.size >= MAX_ENTRIES_PER_DOCUMENT) entries.clear();
    entries.set(key, value);
  }
  return value;
}

function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined | null, variables: Record<string, unknown> | undefined): number {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? {},
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (err) {
    // getComplexity coerces variables itself; a bad variable is the client's mistake.
    throw new ApiError('invalid_request', (err as Error).message);
  }
}

/** Depth of the selected operation, following fragments; introspection fields don't count (GraphiQL's own query is deep). */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.kind === Kind.OPERATION_DEFINITION && o.name?.value === operationName) : operations[0];
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;

  const depthOf = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        max = Math.max(max, 1 + depthOf(sel.selectionSet, visiting));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(sel.selectionSet, visiting));
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is a validation error reported elsewhere; here it must simply not recurse forever.
        if (!fragment || visiting.has(name)) continue;
        max = Math.max(max, depthOf(fragment.selectionSet, new Set(visiting).add(name)));
      }
    }
    return max;
  };
  return depthOf(operation.selectionSet, new Set());
}
