// Sealing a task group (no task may join it after) and cancelling every unresolved task of a
// sealed group, as Taskcluster does.
import { In, IsNull } from 'typeorm';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { RequestConflict, ResourceNotFound } from '../../errors';
import { publishChanges, QueueChanges } from '../events';
import { scopesFor } from '../rules';
import { Task } from '../Task';
import { TaskGroup } from '../TaskGroup';
import { lockTask, resolveTask } from '../transitions';

export interface TaskGroupView {
  taskGroupId: string;
  schedulerId: string;
  projectId: string;
  expires: Date;
  sealed: Date | null;
}

export async function sealTaskGroup(ctx: CommandContext, props: { taskGroupId: string }): Promise<TaskGroupView> {
  const group = await findGroup(ctx, props.taskGroupId);
  await requireScopes(ctx, scopesFor.sealTaskGroup(group.schedulerId, group.taskGroupId), 'sealTaskGroup');
  if (!group.sealed) {
    const sealed = ctx.core.clock.now();
    await inTransaction(ctx.core.db, (tx) => tx.getRepository(TaskGroup).update({ taskGroupId: group.taskGroupId, sealed: IsNull() }, { sealed }));
  }
  return findGroup(ctx, props.taskGroupId);
}

/** Cancels every unresolved task of a sealed group (sealed, so none can join meanwhile). */
export async function cancelTaskGroup(ctx: CommandContext, props: { taskGroupId: string }): Promise<{ group: TaskGroupView; canceled: number }> {
  const group = await findGroup(ctx, props.taskGroupId);
  await requireScopes(ctx, scopesFor.cancelTaskGroup(group.schedulerId, group.taskGroupId), 'cancelTaskGroup');
  if (!group.sealed) throw new RequestConflict(`task group ${group.taskGroupId} must be sealed before it can be canceled`);
  const open = await ctx.core.db.getRepository(Task).find({
    select: { taskId: true },
    where: { taskGroupId: group.taskGroupId, state: In(['unscheduled', 'pending', 'running']) },
  });
  const changes = new QueueChanges();
  let canceled = 0;
  // In batches: one transaction per hundred tasks keeps locks short on a 10,000-task group.
  for (let i = 0; i < open.length; i += 100) {
    await inTransaction(ctx.core.db, async (tx) => {
      for (const { taskId } of open.slice(i, i + 100)) {
        const task = await lockTask(tx, taskId);
        if (['unscheduled', 'pending', 'running'].includes(task.state)) {
          await resolveTask(tx, task, 'exception', 'canceled', ctx.core.clock.now(), changes);
          canceled += 1;
        }
      }
    });
  }
  await publishChanges(ctx.core, changes);
  return { group, canceled };
}

async function findGroup(ctx: CommandContext, taskGroupId: string): Promise<TaskGroupView> {
  const group = await ctx.core.db.getRepository(TaskGroup).findOneBy({ taskGroupId });
  if (!group) throw new ResourceNotFound(`task group ${taskGroupId} does not exist`, { taskGroupId });
  return group;
}
