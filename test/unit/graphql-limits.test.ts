import { GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { checkQueryLimits } from '../../src/graphql/limits';

// The limits of a document are cached per parsed document; the cost also depends on the variables (a list
// size), so the cache must never answer one request's variables with another's verdict.
describe('query limits (cached per document and variables)', () => {
  const Item = new GraphQLObjectType({ name: 'Item', fields: { name: { type: GraphQLString } } });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        items: {
          type: new GraphQLList(Item),
          args: { first: { type: GraphQLInt } },
          extensions: { complexity: ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) => (args.first ?? 1) * childComplexity },
        },
      },
    }),
  });
  const limits = { maxDepth: 3, maxComplexity: 100, maxAliases: 10 };
  const document = parse('query Items($first: Int) { items(first: $first) { name } }');

  it('judges each variables set on its own, in any order', () => {
    expect(() => checkQueryLimits(schema, document, undefined, { first: 10 }, limits)).not.toThrow();
    expect(() => checkQueryLimits(schema, document, undefined, { first: 1000 }, limits)).toThrow(expect.objectContaining({ code: 'query_too_complex' }));
    expect(() => checkQueryLimits(schema, document, undefined, { first: 10 }, limits)).not.toThrow();
    expect(() => checkQueryLimits(schema, document, undefined, { first: 1000 }, limits)).toThrow(expect.objectContaining({ code: 'query_too_complex' }));
  });

  it('still refuses a deep document every time', () => {
    const deep = parse('{ items { name } }');
    expect(() => checkQueryLimits(schema, deep, undefined, {}, { ...limits, maxDepth: 1 })).toThrow(expect.objectContaining({ code: 'query_too_deep' }));
    expect(() => checkQueryLimits(schema, deep, undefined, {}, { ...limits, maxDepth: 1 })).toThrow(expect.objectContaining({ code: 'query_too_deep' }));
  });

  it('counts aliases once per spread, in linear time even when fragments spread each other twice', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^40 aliased fields would run, and counting them must not
    // walk each one.
    const chain = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ... on Query { ...F${i + 1} } }`).join(' ');
    const document = parse(`{ ...F0 } ${chain} fragment F40 on Query { x: items { name } }`);
    expect(() => checkQueryLimits(schema, document, undefined, {}, limits)).toThrow(expect.objectContaining({ code: 'query_too_complex', message: expect.stringMatching(/1099511627776 aliases/) }));
    expect(() => checkQueryLimits(schema, parse('{ a: items { name } b: items { name } }'), undefined, {}, limits)).not.toThrow();
  });
});
