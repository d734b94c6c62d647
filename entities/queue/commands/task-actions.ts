// What schedulers do to a task: cancel, rerun, schedule (ignoring dependencies), change priority.
import type { EntityManager } from 'typeorm';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { InputError, RequestConflict, ResourceNotFound } from '../../errors';
import { publishChanges, QueueChanges } from '../events';
import { isResolved, Priority, PRIORITIES, priorityRank, scopesFor } from '../rules';
import { loadStatuses, TaskStatusView } from '../status';
import { Task } from '../Task';
import { addPendingRun, lockTask, MAX_RUNS, resolveTask } from '../transitions';

type Action = 'cancel-task' | 'rerun-task' | 'schedule-task';

/** Cancels an unresolved task (exception/canceled); a resolved one is left as it is. */
export function cancelTask(ctx: CommandContext, props: { taskId: string }): Promise<TaskStatusView> {
  return act(ctx, props.taskId, 'cancel-task', async (tx, task, now, changes) => {
    if (isResolved(task.state)) return;
    await resolveTask(tx, task, 'exception', 'canceled', now, changes);
  });
}

/**
 * Adds a new run to a resolved task with its retries reset, and schedules an unscheduled one
 * whatever its dependencies, as Taskcluster does; a pending or running task is left as it is.
 */
export function rerunTask(ctx: CommandContext, props: { taskId: string }): Promise<TaskStatusView> {
  return act(ctx, props.taskId, 'rerun-task', async (tx, task, now, changes) => {
    if (task.state === 'pending' || task.state === 'running') return;
    if (task.deadline.getTime() <= now.getTime()) throw new RequestConflict(`task ${task.taskId} is past its deadline and cannot be rerun`);
    // Retries start afresh, within what is left of the task's runs.
    task.retriesLeft = Math.min(task.retries, MAX_RUNS - task.runCount - 1);
    await addPendingRun(tx, task, 'rerun', now, changes);
  });
}

/** Makes an unscheduled task pending whatever its dependencies (e.g. one that depends on itself). */
export function scheduleTask(ctx: CommandContext, props: { taskId: string }): Promise<TaskStatusView> {
  return act(ctx, props.taskId, 'schedule-task', async (tx, task, now, changes) => {
    if (task.state !== 'unscheduled') return;
    if (task.deadline.getTime() <= now.getTime()) throw new RequestConflict(`task ${task.taskId} is past its deadline`);
    await addPendingRun(tx, task, 'scheduled', now, changes);
  });
}

export async function changeTaskPriority(ctx: CommandContext, props: { taskId: string; priority: string }): Promise<TaskStatusView> {
  if (!(PRIORITIES as readonly string[]).includes(props.priority)) throw new InputError(`priority must be one of ${PRIORITIES.join(', ')}`);
  const task = await ctx.core.db.getRepository(Task).findOneBy({ taskId: props.taskId });
  if (!task) throw new ResourceNotFound(`task ${props.taskId} does not exist`, { taskId: props.taskId });
  await requireScopes(ctx, scopesFor.changePriority(task, props.priority), 'changeTaskPriority');
  const changes = new QueueChanges();
  await inTransaction(ctx.core.db, async (tx) => {
    const locked = await lockTask(tx, props.taskId);
    const priority = props.priority as Priority;
    await tx.getRepository(Task).update({ taskId: locked.taskId }, { priority, priorityRank: priorityRank(priority) });
    changes.touch(locked.taskId);
    if (locked.state === 'pending') changes.pendingQueues.add(locked.taskQueueId);
  });
  await publishChanges(ctx.core, changes);
  const [status] = await loadStatuses(ctx.core.db.manager, [props.taskId]);
  return status!;
}

async function act(
  ctx: CommandContext,
  taskId: string,
  action: Action,
  change: (tx: EntityManager, task: Task, now: Date, changes: QueueChanges) => Promise<void>,
): Promise<TaskStatusView> {
  const [status] = await loadStatuses(ctx.core.db.manager, [taskId]);
  if (!status) throw new ResourceNotFound(`task ${taskId} does not exist`, { taskId });
  await requireScopes(ctx, scopesFor.schedulerAction(action, status), action);
  const changes = new QueueChanges();
  await inTransaction(ctx.core.db, async (tx) => change(tx, await lockTask(tx, taskId), ctx.core.clock.now(), changes));
  await publishChanges(ctx.core, changes);
  const [after] = await loadStatuses(ctx.core.db.manager, [taskId]);
  return after!;
}
