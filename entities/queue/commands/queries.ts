// Reading the queue. Like Taskcluster's, task definitions and statuses are readable by anyone;
// what is private lives in artifacts and secrets.
import { In } from 'typeorm';
import type { CommandContext } from '../../auth/require-scopes';
import { InputError } from '../../errors';
import { likePrefix, Page, PageArgs, paginate } from '../../pagination';
import { TASK_STATES } from '../rules';
import { loadStatuses, TaskStatusView } from '../status';
import { Task } from '../Task';
import { checkTaskId, TaskDefinition } from '../task-definition';
import { TaskDependency } from '../TaskDependency';
import { TaskGroup } from '../TaskGroup';
import { definitionOf } from './create-task';
import { checkTaskQueueId } from './worker-identity';

export interface TaskView extends TaskDefinition {
  taskId: string;
  status: TaskStatusView;
}

/** Tasks by id in three queries, in the order asked (null where there is none). */
export async function getTasks(ctx: CommandContext, props: { taskIds: readonly string[] }): Promise<(TaskView | null)[]> {
  const ids = [...new Set(props.taskIds)];
  const rows = ids.length ? await ctx.core.db.getRepository(Task).findBy({ taskId: In(ids) }) : [];
  const statuses = await loadStatuses(ctx.core.db.manager, rows.map((r) => r.taskId));
  const byId = new Map(rows.map((row, i) => [row.taskId, { taskId: row.taskId, ...definitionOf(row), status: statuses[i]! }]));
  return props.taskIds.map((id) => byId.get(id) ?? null);
}

export interface TaskGroupSummary {
  taskGroupId: string;
  schedulerId: string;
  projectId: string;
  expires: Date;
  sealed: Date | null;
  counts: Record<(typeof TASK_STATES)[number], number> & { total: number };
}

export async function getTaskGroup(ctx: CommandContext, props: { taskGroupId: string }): Promise<TaskGroupSummary | null> {
  const group = await ctx.core.db.getRepository(TaskGroup).findOneBy({ taskGroupId: props.taskGroupId });
  if (!group) return null;
  const rows: { state: string; n: string | number }[] = await ctx.core.db
    .getRepository(Task)
    .createQueryBuilder('t')
    .select('t.state', 'state')
    .addSelect('COUNT(*)', 'n')
    .where('t.task_group_id = :g', { g: props.taskGroupId })
    .groupBy('t.state')
    .getRawMany();
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as TaskGroupSummary['counts'];
  counts.total = 0;
  for (const row of rows) {
    counts[row.state as keyof typeof counts] = Number(row.n);
    counts.total += Number(row.n);
  }
  return { ...group, counts };
}

export async function listTaskGroupTasks(
  ctx: CommandContext,
  props: PageArgs & { taskGroupId: string; state?: string | null; name?: string | null },
): Promise<Page<TaskStatusView & { name: string }>> {
  if (props.state && !(TASK_STATES as readonly string[]).includes(props.state)) {
    throw new InputError(`state must be one of ${TASK_STATES.join(', ')}`, { field: 'state' });
  }
  const query = ctx.core.db.getRepository(Task).createQueryBuilder('t').where('t.task_group_id = :g', { g: props.taskGroupId });
  if (props.state) query.andWhere('t.state = :state', { state: props.state });
  if (props.name) query.andWhere(`t.name LIKE :name ESCAPE '!'`, { name: `%${likePrefix(props.name)}` });
  const page = await paginate(query, 't.task_id', (t) => t.taskId, props);
  const statuses = await loadStatuses(ctx.core.db.manager, page.nodes.map((t) => t.taskId));
  return { ...page, nodes: page.nodes.map((t, i) => ({ ...statuses[i]!, name: t.metadata.name })) };
}

/** Tasks that depend on `taskId`, in taskId order. */
export async function listDependents(ctx: CommandContext, props: PageArgs & { taskId: string }): Promise<Page<TaskStatusView>> {
  checkTaskId(props.taskId);
  const query = ctx.core.db.getRepository(TaskDependency).createQueryBuilder('d').where('d.required_task_id = :id', { id: props.taskId });
  const page = await paginate(query, 'd.dependent_task_id', (d) => d.dependentTaskId, props);
  const statuses = await loadStatuses(ctx.core.db.manager, page.nodes.map((d) => d.dependentTaskId));
  return { ...page, nodes: statuses.filter((s): s is TaskStatusView => s !== null) };
}

export interface TaskQueueView {
  taskQueueId: string;
  pendingCount: number;
  claimedCount: number;
}

export async function getTaskQueue(ctx: CommandContext, props: { taskQueueId: string }): Promise<TaskQueueView> {
  checkTaskQueueId(props.taskQueueId);
  const rows: { state: string; n: string | number }[] = await ctx.core.db
    .getRepository(Task)
    .createQueryBuilder('t')
    .select('t.state', 'state')
    .addSelect('COUNT(*)', 'n')
    .where('t.task_queue_id = :q AND t.state IN (:...states)', { q: props.taskQueueId, states: ['pending', 'running'] })
    .groupBy('t.state')
    .getRawMany();
  const count = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
  return { taskQueueId: props.taskQueueId, pendingCount: count('pending'), claimedCount: count('running') };
}
