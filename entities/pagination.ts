// Relay-style keyset pagination over one unique, ordered string key.
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { InputError } from './errors';

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
  totalCount: number;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!cursor || encodeCursor(key) !== cursor) throw new InputError(`"${cursor}" is not a cursor returned by this API`);
  return key;
}

/**
 * Pages `query` by `column` (a unique key). `first`/`after` walk forward, `last`/`before`
 * backward; nodes are always returned in ascending order.
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  column: string,
  keyOf: (node: T) => string,
  args: PageArgs,
  /** Turns a cursor's key back into the column's type (e.g. Number for integer ids). */
  parseKey: (key: string) => unknown = (key) => key,
): Promise<Page<T>> {
  if (args.first != null && args.last != null) throw new InputError('pass either first or last, not both');
  const size = args.last ?? args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) throw new InputError(`first and last must be from 0 to ${MAX_PAGE}`);
  const backward = args.last != null;

  const totalCount = await query.clone().getCount();
  const page = query.clone();
  if (args.after) page.andWhere(`${column} > :after`, { after: parseKey(decodeCursor(args.after)) });
  if (args.before) page.andWhere(`${column} < :before`, { before: parseKey(decodeCursor(args.before)) });
  page.orderBy(column, backward ? 'DESC' : 'ASC').take(size + 1);
  const rows = await page.getMany();
  const more = rows.length > size;
  const nodes = rows.slice(0, size);
  if (backward) nodes.reverse();
  return {
    nodes,
    hasNextPage: backward ? Boolean(args.before) : more,
    hasPreviousPage: backward ? more : Boolean(args.after),
    startCursor: nodes.length ? encodeCursor(keyOf(nodes[0])) : null,
    endCursor: nodes.length ? encodeCursor(keyOf(nodes[nodes.length - 1])) : null,
    totalCount,
  };
}

/** A condition "column starts with :prefix" that reads the same on SQLite and MySQL. */
export function startsWith(column: string, param: string): string {
  return `${column} LIKE :${param} ESCAPE '!'`;
}

/** The LIKE pattern for a user-given prefix, its wildcards escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
