// Queue upkeep, run by cron: claims that lapsed, deadlines that passed, tasks that expired.
// Each scans the database for what is due, so a cron that was down catches up, and each change
// is a conditional write under a row lock, so two cron processes never resolve a run twice.
import { In, LessThan, LessThanOrEqual } from 'typeorm';
import type { Core } from '../../core';
import { inTransaction } from '../../db/transaction';
import { publishChanges, QueueChanges } from '../events';
import { Task } from '../Task';
import { TaskDependency } from '../TaskDependency';
import { TaskGroup } from '../TaskGroup';
import { TaskRun } from '../TaskRun';
import { lockTask, resolveTask } from '../transitions';

const BATCH = 100;

/** Runs whose claim lapsed: exception/claim-expired, and a retry while retries are left. */
export async function expireClaims(core: Core): Promise<number> {
  return resolveDue(core, 'claim', async (now) =>
    core.db.getRepository(Task).find({ select: { taskId: true }, where: { state: 'running', takenUntil: LessThan(now) }, take: BATCH }),
  );
}

/** Unresolved tasks past their deadline, scheduled or not: exception/deadline-exceeded. */
export async function resolveDeadlines(core: Core): Promise<number> {
  return resolveDue(core, 'deadline', async (now) =>
    core.db
      .getRepository(Task)
      .find({ select: { taskId: true }, where: { state: In(['unscheduled', 'pending', 'running']), deadline: LessThanOrEqual(now) }, take: BATCH }),
  );
}

async function resolveDue(core: Core, kind: 'claim' | 'deadline', find: (now: Date) => Promise<Pick<Task, 'taskId'>[]>): Promise<number> {
  let total = 0;
  for (;;) {
    const now = core.clock.now();
    const due = await find(now);
    if (!due.length) return total;
    const changes = new QueueChanges();
    let done = 0;
    await inTransaction(core.db, async (tx) => {
      for (const { taskId } of due) {
        const task = await lockTask(tx, taskId);
        // Re-checked under the lock: another cron, or the worker, may have got there first.
        if (kind === 'claim' && (task.state !== 'running' || !task.takenUntil || task.takenUntil >= now)) continue;
        if (kind === 'deadline' && (!['unscheduled', 'pending', 'running'].includes(task.state) || task.deadline > now)) continue;
        await resolveTask(tx, task, 'exception', kind === 'claim' ? 'claim-expired' : 'deadline-exceeded', now, changes);
        done += 1;
      }
    });
    await publishChanges(core, changes);
    total += done;
    if (due.length < BATCH || done === 0) return total;
  }
}

/** Deletes tasks past `expires`, with their runs and dependency rows, and empty expired groups. */
export async function deleteExpiredTasks(core: Core): Promise<number> {
  let total = 0;
  for (;;) {
    const now = core.clock.now();
    const expired = await core.db.getRepository(Task).find({ select: { taskId: true }, where: { expires: LessThan(now) }, take: 500 });
    if (!expired.length) break;
    const ids = expired.map((t) => t.taskId);
    await inTransaction(core.db, async (tx) => {
      await tx.getRepository(TaskRun).delete({ taskId: In(ids) });
      await tx.getRepository(TaskDependency).delete({ dependentTaskId: In(ids) });
      await tx.getRepository(TaskDependency).delete({ requiredTaskId: In(ids) });
      await tx.getRepository(Task).delete({ taskId: In(ids) });
    });
    total += ids.length;
    if (ids.length < 500) break;
  }
  await inTransaction(core.db, (tx) => tx.getRepository(TaskGroup).delete({ expires: LessThan(core.clock.now()) }));
  return total;
}
