import { DocumentNode, Kind, OperationDefinitionNode } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { isScope, Scope } from '../platform/auth/scopes';

type RootType = 'Query' | 'Mutation' | 'Subscription';

/**
 * The scopes each root field demands, read from the resolvers' `@Authorized(...)` declarations: the one source
 * the GraphQL door check uses, so the REST layer (which checks before parsing the request) and the tests that
 * walk every operation can never disagree with it. Keys are `Query.account`, `Mutation.orderNumbers` ….
 * Call it after the schema has been built (type-graphql fills its metadata as the resolver classes load).
 */
export function rootFieldScopes(): Map<string, Scope[]> {
  const storage = getMetadataStorage();
  const declared = new Map<Function, Map<string, string[]>>();
  for (const a of storage.authorizedFields) {
    if (!declared.has(a.target)) declared.set(a.target, new Map());
    declared.get(a.target)!.set(a.fieldName, a.roles as string[]);
  }
  const out = new Map<string, Scope[]>();
  const collect = (root: RootType, handlers: { target: Function; methodName: string; schemaName: string }[]) => {
    for (const h of handlers) {
      const roles = declared.get(h.target)?.get(h.methodName);
      if (!roles) continue;
      const bad = roles.filter((r) => !isScope(r));
      if (bad.length) throw new Error(`${root}.${h.schemaName} declares unknown scopes: ${bad.join(', ')}`);
      out.set(`${root}.${h.schemaName}`, roles as Scope[]);
    }
  };
  collect('Query', storage.queries);
  collect('Mutation', storage.mutations);
  collect('Subscription', storage.subscriptions);
  return out;
}

/** Every scope the root fields of a one-operation document demand. */
export function documentScopes(document: DocumentNode, scopes: Map<string, Scope[]>): Scope[] {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) return [];
  const root: RootType = op.operation === 'query' ? 'Query' : op.operation === 'mutation' ? 'Mutation' : 'Subscription';
  const needed = new Set<Scope>();
  for (const sel of op.selectionSet.selections) {
    if (sel.kind === Kind.FIELD) for (const s of scopes.get(`${root}.${sel.name.value}`) ?? []) needed.add(s);
  }
  return [...needed];
}
