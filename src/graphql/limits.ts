import { DocumentNode, FragmentDefinitionNode, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ApiError } from '../platform/errors';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  /** Aliases in the operation, counted once per fragment spread: each one can run its field again. */
  maxAliases: number;
}

/** Refuses an operation that is too deep or too expensive, before any resolver runs. */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined | null,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): void {
  const shape = shapeCache.get(document)?.get(operationName ?? '') ?? remember(document, operationName ?? '', operationShape(document, operationName));
  if (shape.depth > limits.maxDepth) {
    throw new ApiError('query_too_deep', `Query depth ${shape.depth} exceeds the limit of ${limits.maxDepth}`);
  }
  if (shape.aliases > limits.maxAliases) {
    throw new ApiError('query_too_complex', `The operation uses ${shape.aliases} aliases, more than the limit of ${limits.maxAliases}`);
  }
  // The cost counts 1 per field, so the expanded selections bound it. A document expanding far beyond the limit
  // is refused on that count alone: the cost library walks every spread again, and would not finish. The slack
  // leaves room for fields that @skip/@include take out of the cost.
  if (shape.selections > limits.maxComplexity * 10) {
    throw new ApiError('query_too_complex', `Query expands to ${shape.selections} selections, far beyond the cost limit of ${limits.maxComplexity}`);
  }
  // The cost depends on the variables too (list sizes): cached per document and variables, unless the variables
  // are large (a cache key would keep them alive) or cannot be written out at all (nested beyond the stack).
  const key = variablesKey(variables);
  const cost = () => operationCost(schema, document, operationName, variables);
  const complexity = key === undefined ? cost() : cached(document, `cost:${operationName ?? ''}:${key}`, cost);
  if (complexity > limits.maxComplexity) {
    throw new ApiError('query_too_complex', `Query cost ${complexity} exceeds the limit of ${limits.maxComplexity}`);
  }
}

// Apollo (and the REST layer) hand over the same parsed DocumentNode for the same query text, so the limits of
// a document seen before are a lookup instead of a walk of the whole query on every request.
const limitCache = new WeakMap<DocumentNode, Map<string, number>>();
const MAX_ENTRIES_PER_DOCUMENT = 100;

const shapeCache = new WeakMap<DocumentNode, Map<string, OperationShape>>();

function remember(document: DocumentNode, operationName: string, shape: OperationShape): OperationShape {
  let shapes = shapeCache.get(document);
  if (!shapes) shapeCache.set(document, (shapes = new Map()));
  if (shapes.size >= MAX_ENTRIES_PER_DOCUMENT) shapes.clear();
  shapes.set(operationName, shape);
  return shape;
}

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

const MAX_CACHED_VARIABLES_LENGTH = 1024;

function variablesKey(variables: Record<string, unknown> | undefined): string | undefined {
  try {
    const key = JSON.stringify(variables ?? {});
    return key.length <= MAX_CACHED_VARIABLES_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
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

function selectedOperation(document: DocumentNode, operationName: string | undefined | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
}

/** What the selected operation would execute, with every fragment spread expanded in place. */
export interface OperationShape {
  /** Nesting of fields; introspection fields don't count (GraphiQL's own query is deep). */
  depth: number;
  /** Aliased fields: a fragment's count once per spread (a fragment spread 20 times runs its aliases 20 times). */
  aliases: number;
  /**
   * Selections (fields, spreads, inline fragments) once expanded: an upper bound both of the cost (1 per field,
   * whatever directives skip) and of the work of computing it.
   */
  selections: number;
}

/**
 * One walk of the operation. Each fragment is measured once and its shape reused at every spread, so a chain of
 * fragments each spreading the next twice (2^40 fields from a few hundred bytes) is measured in linear time;
 * walking spreads naively would never return.
 */
export function operationShape(document: DocumentNode, operationName?: string | null): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operation = selectedOperation(document, operationName);
  const none: OperationShape = { depth: 0, aliases: 0, selections: 0 };
  if (!operation) return none;
  const measured = new Map<string, OperationShape>();
  const visiting = new Set<string>();

  const shapeOf = (set: SelectionSetNode | undefined): OperationShape => {
    const shape = { ...none };
    if (!set) return shape;
    const add = (inner: OperationShape, depth: number) => {
      shape.depth = Math.max(shape.depth, depth);
      shape.aliases += inner.aliases;
      shape.selections += inner.selections + 1;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) {
          add(none, 0); // the cost skips introspection fields without descending
          continue;
        }
        const inner = shapeOf(sel.selectionSet);
        add({ ...inner, aliases: inner.aliases + (sel.alias ? 1 : 0) }, inner.depth + 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const inner = shapeOf(sel.selectionSet);
        add(inner, inner.depth);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is a validation error reported elsewhere; here it must simply not recurse forever.
        if (!fragment || visiting.has(name)) {
          add(none, 0);
          continue;
        }
        let inner = measured.get(name);
        if (!inner) {
          visiting.add(name);
          inner = shapeOf(fragment.selectionSet);
          visiting.delete(name);
          measured.set(name, inner);
        }
        add(inner, inner.depth);
      }
    }
    return shape;
  };
  return shapeOf(operation.selectionSet);
}
