// Relay cursor connections (DESIGN §6), made once per node type.
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../../entities/pagination';
import { encodeCursor } from '../../entities/pagination';

@ObjectType({ description: 'Where a page sits in the whole list.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'More items follow the last one of this page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'More items come before the first one of this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item; pass as `before` for the previous page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass as `after` for the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgsInput {
  @Field(() => Int, { nullable: true, description: 'Page forward: at most this many items (≤ 1000, default 100).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Page forward from this cursor (an `endCursor`).' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Page backward: at most this many items (≤ 1000).' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Page backward from this cursor (a `startCursor`).' })
  before?: string | null;
}

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function connectionType<T extends object>(nodeType: ClassType<T>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} and its cursor.` })
  class Edge {
    @Field(() => nodeType, { description: `The ${what}.` })
    node!: T;

    @Field(() => String, { description: 'Opaque cursor of this item, for `after` and `before`.' })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s.` })
  class ConnectionType implements Connection<T> {
    @Field(() => [Edge], { description: `The ${what}s of this page, with cursors.` })
    edges!: Edge[];

    @Field(() => [nodeType], { description: `The ${what}s of this page.` })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: `How many ${what}s match, over all pages.` })
    totalCount!: number;
  }
  return ConnectionType;
}

export function toConnection<S, T>(page: Page<S>, keyOf: (node: S) => string, present: (node: S) => T): Connection<T> {
  const nodes = page.nodes.map(present);
  return {
    nodes,
    edges: page.nodes.map((node, i) => ({ node: nodes[i], cursor: encodeCursor(keyOf(node)) })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.startCursor,
      endCursor: page.endCursor,
    },
    totalCount: page.totalCount,
  };
}
