// Pure rules of the index (Taskcluster's): which entries a completed task makes, and which of
// two entries for one path wins.

/** Routes `index.<namespace>` index a task when it completes. */
export const INDEX_ROUTE_PREFIX = 'index.';

export interface IndexEntry {
  /** The full index path, e.g. `project.repo.branch.latest`. */
  indexPath: string;
  /** The path without its last segment (`project.repo.branch`); '' at the top. */
  namespace: string;
  /** The last segment (`latest`). */
  name: string;
  taskId: string;
  rank: number;
  data: Record<string, unknown>;
  expires: Date;
}

export interface IndexableTask {
  taskId: string;
  routes: string[];
  expires: Date;
  extra: Record<string, unknown>;
}

/**
 * The entries a completed task makes, one per `index.` route (duplicates once), sorted by path
 * so that concurrent indexers take row locks in one order. Rank, data and expiry come from
 * `extra.index` — `rank` (default 0), `data` (default {}), `expires` (default the task's).
 */
export function indexEntriesFor(task: IndexableTask): IndexEntry[] {
  const options = isObject(task.extra?.index) ? task.extra.index : {};
  const rank = typeof options.rank === 'number' && Number.isFinite(options.rank) ? options.rank : 0;
  const data = isObject(options.data) ? options.data : {};
  const expires = parseExpires(options.expires) ?? task.expires;
  const paths = new Set<string>();
  for (const route of task.routes) {
    if (!route.startsWith(INDEX_ROUTE_PREFIX)) continue;
    const indexPath = route.slice(INDEX_ROUTE_PREFIX.length);
    if (checkIndexPath(indexPath) === null) paths.add(indexPath);
  }
  return [...paths].sort().map((indexPath) => {
    const { namespace, name } = splitIndexPath(indexPath);
    return { indexPath, namespace, name, taskId: task.taskId, rank, data, expires };
  });
}

/** Why `indexPath` is not a usable path (empty segment, too long), or null. */
export function checkIndexPath(indexPath: string): string | null {
  if (!indexPath) return 'an index path may not be empty';
  if (indexPath.length > 255) return 'an index path has at most 255 characters';
  if (indexPath.split('.').some((segment) => segment === '')) return 'an index path has no empty segment (no leading, trailing or double dot)';
  return null;
}

export function splitIndexPath(indexPath: string): { namespace: string; name: string } {
  const dot = indexPath.lastIndexOf('.');
  return dot < 0 ? { namespace: '', name: indexPath } : { namespace: indexPath.slice(0, dot), name: indexPath.slice(dot + 1) };
}

/** Each namespace above an entry, as (parent, name): `a.b.c` → ('', 'a'), ('a', 'b'). */
export function parentNamespaces(namespace: string): { parent: string; name: string }[] {
  if (!namespace) return [];
  const segments = namespace.split('.');
  return segments.map((name, i) => ({ parent: segments.slice(0, i).join('.'), name }));
}

function parseExpires(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
