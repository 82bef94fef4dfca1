import { ASTVisitor, DocumentNode, GraphQLError, GraphQLSchema, parse, specifiedRules, validate, ValidationContext, ValidationRule } from 'graphql';

export interface DocumentRules {
  /** Whether `__schema` and `__type` may be queried (GRAPHQL_INTROSPECTION). `__typename` always may. */
  introspection: boolean;
  /** Tokens the parser reads before giving up (GRAPHQL_MAX_TOKENS): bounds parse and validation time. */
  maxTokens: number;
}

export const INTROSPECTION_DISABLED = 'Introspection is disabled on this server';

/**
 * Refuses `__schema` and `__type` with a message that says what happened, in the same words over HTTP and
 * WebSocket (graphql-js's own rule names the library's option instead).
 */
const introspectionDisabledRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(new GraphQLError(`${INTROSPECTION_DISABLED}: "${node.name.value}" cannot be queried`, { nodes: node }));
    }
  },
});

/** Rules run on top of graphql-js's specified ones, by Apollo (HTTP) and by the WebSocket server alike. */
export function extraValidationRules(rules: DocumentRules): ValidationRule[] {
  return rules.introspection ? [] : [introspectionDisabledRule];
}

/**
 * The WebSocket path's parse and validation (Apollo does the same for HTTP): a syntax error, a too-long document
 * or a validation failure comes back as errors, never thrown.
 */
export function parseAndValidate(schema: GraphQLSchema, query: unknown, rules: DocumentRules): { document: DocumentNode; errors?: undefined } | { errors: readonly GraphQLError[] } {
  if (typeof query !== 'string') return { errors: [new GraphQLError('The operation has no query text')] };
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: rules.maxTokens });
  } catch (err) {
    if (err instanceof GraphQLError) return { errors: [err] };
    // A document nested deeper than the stack (possible only with a generous GRAPHQL_MAX_TOKENS).
    if (err instanceof RangeError) return { errors: [new GraphQLError(NESTED_TOO_DEEPLY)] };
    throw err;
  }
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, document, [...specifiedRules, ...extraValidationRules(rules)]);
  } catch (err) {
    if (err instanceof RangeError) return { errors: [new GraphQLError(NESTED_TOO_DEEPLY)] };
    throw err;
  }
  return errors.length ? { errors } : { document };
}

export const NESTED_TOO_DEEPLY = 'The document is nested too deeply to be read';

/** "Did you mean …?" hints name schema members; with introspection off they would leak the schema piece by piece. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+?\?$/s, '');
}
