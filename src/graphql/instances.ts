import { ClassType } from 'type-graphql';

/**
 * `view` as an instance of the GraphQL object class `Type`. A field resolver's root is copied by type-graphql
 * into a new instance of its class unless it already is one: a list of 100 nodes with three field resolvers
 * would otherwise pay 300 copies per request.
 *
 * A shallow copy onto a fresh object of that prototype, not `Object.setPrototypeOf(view, …)`: changing the
 * prototype of an existing object makes V8 drop its optimised shape for it and for code that touches it, which
 * measured about ten times slower for a page of 100 nodes than this copy.
 */
export function asInstance<T extends object>(Type: ClassType<T>, view: object): T {
  return Object.assign(Object.create(Type.prototype) as T, view);
}
