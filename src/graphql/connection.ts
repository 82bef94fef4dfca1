import { ClassType, Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where a page ends, and whether another follows.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

/** A Relay-style connection type for `Node` (nodes + pageInfo; edges are left out: every cursor is the page's end). */
export function Connection<T extends object>(name: string, Node: ClassType<T>) {
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items, newest first.` })
  class ConnectionClass implements ConnectionShape<T> {
    @Field(() => [Node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

export function toConnection<T>(page: { nodes: T[]; endCursor: string | null; hasNextPage: boolean }): ConnectionShape<T> {
  return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}
