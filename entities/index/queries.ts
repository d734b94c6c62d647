// Reading the index. Like Taskcluster's, the index is readable by anyone: it names tasks, and
// task definitions are public; what they made stays behind `queue:get-artifact:<name>`.
import type { CommandContext } from '../auth/require-scopes';
import { timeParam } from '../db/columns';
import { InputError } from '../errors';
import { Page, PageArgs, paginate } from '../pagination';
import { IndexedTask } from './IndexedTask';
import { Namespace } from './Namespace';
import { checkIndexPath, splitIndexPath } from './rules';

export interface IndexedTaskView {
  /** The full index path. */
  namespace: string;
  taskId: string;
  rank: number;
  data: Record<string, unknown>;
  expires: Date;
}

export interface NamespaceView {
  /** The full path of the namespace. */
  namespace: string;
  /** Its last segment. */
  name: string;
  expires: Date;
}

/** The task at `indexPath`, or null (also once the entry expired). */
export async function findIndexedTask(ctx: CommandContext, props: { indexPath: string }): Promise<IndexedTaskView | null> {
  const problem = checkIndexPath(props.indexPath);
  if (problem) throw new InputError(problem, { field: 'indexPath' });
  const { namespace, name } = splitIndexPath(props.indexPath);
  const row = await ctx.core.db.getRepository(IndexedTask).findOneBy({ namespace, name });
  if (!row || row.expires.getTime() <= ctx.core.clock.now().getTime()) return null;
  return indexedTaskView(row);
}

/** The namespaces directly under `prefix` ('' for the top level), by name. */
export async function listNamespaces(ctx: CommandContext, props: PageArgs & { prefix: string }): Promise<Page<NamespaceView>> {
  const parent = checkNamespace(props.prefix);
  const { db } = ctx.core;
  const query = db
    .getRepository(Namespace)
    .createQueryBuilder('n')
    .where('n.parent = :parent AND n.expires > :now', { parent, now: timeParam(db, ctx.core.clock.now()) });
  const page = await paginate(query, 'n.name', (n) => n.name, props);
  return { ...page, nodes: page.nodes.map((n) => ({ namespace: n.parent ? `${n.parent}.${n.name}` : n.name, name: n.name, expires: n.expires })) };
}

/** The tasks indexed directly under `namespace`, by name. */
export async function listIndexedTasks(ctx: CommandContext, props: PageArgs & { namespace: string }): Promise<Page<IndexedTaskView>> {
  const namespace = checkNamespace(props.namespace);
  const { db } = ctx.core;
  const query = db
    .getRepository(IndexedTask)
    .createQueryBuilder('t')
    .where('t.namespace = :namespace AND t.expires > :now', { namespace, now: timeParam(db, ctx.core.clock.now()) });
  const page = await paginate(query, 't.name', (t) => t.name, props);
  return { ...page, nodes: page.nodes.map(indexedTaskView) };
}

function checkNamespace(namespace: string): string {
  if (namespace === '') return '';
  const problem = checkIndexPath(namespace);
  if (problem) throw new InputError(problem.replace('an index path', 'a namespace'), { field: 'namespace' });
  return namespace;
}

function indexedTaskView(row: IndexedTask): IndexedTaskView {
  return {
    namespace: row.namespace ? `${row.namespace}.${row.name}` : row.name,
    taskId: row.taskId,
    rank: Number(row.rank),
    data: row.data,
    expires: row.expires,
  };
}
