import { GraphQLFieldResolver, GraphQLSchema, isObjectType } from 'graphql';

/**
 * A list read can bring along, in its own statement, the rows its nodes' fields point at, and put them on each
 * node as `included` (calls.queries.ts, numbers.queries.ts). A field found there is answered from it, without
 * running its resolver; fields with arguments are never taken from it. One wrapper here instead of a check in
 * every field resolver, and it skips type-graphql's per-call work too (resolver instance, parameters): a page
 * of 100 calls with its number, connection and charge would otherwise run 300 resolvers to return what is
 * already there.
 */
export function answerIncludedFirst(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || field.args.length) continue;
      const answered: GraphQLFieldResolver<unknown, unknown> = (root, args, context, info) => {
        const included = (root as { included?: Record<string, unknown> } | null | undefined)?.included;
        if (included) {
          const value = included[info.fieldName];
          if (value !== undefined) return value;
        }
        return resolve(root, args, context, info);
      };
      field.resolve = answered;
    }
  }
}
