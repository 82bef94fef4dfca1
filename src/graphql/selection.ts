import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected under `path` of the current field (`nodesSelection(info)` = what a connection's
 * `nodes { … }` asks for), through fragments and inline fragments. A list resolver uses it to read, in its own
 * statement, the related rows its nodes' fields will ask for, instead of one more statement per field. Directives
 * (@include/@skip) are ignored: a field they drop is merely read for nothing.
 */
export function selectedUnder(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let sets = info.fieldNodes.map((f) => f.selectionSet).filter((s): s is SelectionSetNode => !!s);
  for (const name of path) sets = fieldsOf(info, sets).filter((f) => f.name.value === name && f.selectionSet).map((f) => f.selectionSet!);
  return new Set(fieldsOf(info, sets).map((f) => f.name.value));
}

function fieldsOf(info: GraphQLResolveInfo, sets: SelectionSetNode[]): FieldNode[] {
  const fields: FieldNode[] = [];
  const visit = (set: SelectionSetNode, seenFragments: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seenFragments);
      else if (!seenFragments.has(selection.name.value)) {
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet, new Set([...seenFragments, selection.name.value]));
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  return fields;
}

/**
 * What a connection's `nodes` select, as a list read wants it: the nodes' own fields (GraphQL names turned into
 * the view's by `rename`; meta fields such as __typename left out), and for each relation in `relations` that is
 * selected, the fields selected under it.
 */
export function nodesShape<R extends string>(
  info: GraphQLResolveInfo,
  relations: readonly R[],
  rename: Readonly<Record<string, string>> = {},
): { fields: Set<string> } & Partial<Record<R, Set<string>>> {
  const nodes = selectedUnder(info, ['nodes']);
  const own = (names: Set<string>, renames: Readonly<Record<string, string>> = {}) =>
    new Set([...names].filter((f) => !f.startsWith('__')).map((f) => renames[f] ?? f));
  const shape = { fields: own(new Set([...nodes].filter((f) => !(relations as readonly string[]).includes(f))), rename) } as { fields: Set<string> } & Partial<Record<R, Set<string>>>;
  for (const relation of relations) if (nodes.has(relation)) shape[relation] = own(selectedUnder(info, ['nodes', relation])) as (typeof shape)[R];
  return shape;
}
