// The state changes every queue command is made of, inside the caller's transaction. Each is a
// conditional write on a row the caller has locked (MySQL: SELECT … FOR UPDATE; SQLite: the
// single writer), so two commands racing on one task cannot both apply.
import { EntityManager, In } from 'typeorm';
import { forUpdate } from '../db/transaction';
import { RequestConflict, ResourceNotFound } from '../errors';
import type { QueueChanges } from './events';
import { indexCompletedTask } from '../index/indexing';
import { isResolved, ReasonCreated, ReasonResolved, retryReason, satisfiesRequirement } from './rules';
import { Task } from './Task';
import { TaskDependency } from './TaskDependency';
import { TaskRun } from './TaskRun';

/** Runs a task may have at most (Taskcluster's limit, which also bounds reruns). */
export const MAX_RUNS = 50;

export async function lockTask(tx: EntityManager, taskId: string): Promise<Task> {
  const task = await tx.getRepository(Task).findOne({ where: { taskId }, ...forUpdate(tx) });
  if (!task) throw new ResourceNotFound(`task ${taskId} does not exist`, { taskId });
  return task;
}

export async function currentRun(tx: EntityManager, task: Task): Promise<TaskRun | null> {
  if (task.runCount === 0) return null;
  return tx.getRepository(TaskRun).findOneBy({ taskId: task.taskId, runId: task.runCount - 1 });
}

/** Adds a pending run (the task becomes pending). */
export async function addPendingRun(tx: EntityManager, task: Task, reason: ReasonCreated, now: Date, changes: QueueChanges): Promise<void> {
  if (task.runCount >= MAX_RUNS) throw new RequestConflict(`task ${task.taskId} already has ${MAX_RUNS} runs, the most a task may have`);
  await tx.getRepository(TaskRun).insert({
    taskId: task.taskId,
    runId: task.runCount,
    state: 'pending',
    reasonCreated: reason,
    reasonResolved: null,
    workerGroup: null,
    workerId: null,
    takenUntil: null,
    scheduled: now,
    started: null,
    resolved: null,
  });
  task.runCount += 1;
  task.state = 'pending';
  task.pendingSince = now;
  task.takenUntil = null;
  await tx.getRepository(Task).update(
    { taskId: task.taskId },
    { runCount: task.runCount, state: 'pending', pendingSince: now, takenUntil: null, retriesLeft: task.retriesLeft },
  );
  changes.touch(task.taskId);
  changes.pendingQueues.add(task.taskQueueId);
}

/**
 * Schedules unscheduled tasks: their first runs in one multi-row INSERT per 500, and one
 * conditional UPDATE — not two statements per task (a build releasing 99 tests, a graph of
 * 10,000 tasks). The caller holds the tasks' rows (locked, or inserted in this transaction).
 */
export async function scheduleTasks(tx: EntityManager, tasks: Task[], now: Date, changes: QueueChanges): Promise<void> {
  for (let i = 0; i < tasks.length; i += 500) {
    const chunk = tasks.slice(i, i + 500);
    for (const task of chunk) if (task.runCount !== 0 || task.state !== 'unscheduled') throw new Error(`task ${task.taskId} is not unscheduled`);
    await tx.getRepository(TaskRun).insert(
      chunk.map((task) => ({
        taskId: task.taskId,
        runId: 0,
        state: 'pending',
        reasonCreated: 'scheduled',
        reasonResolved: null,
        workerGroup: null,
        workerId: null,
        takenUntil: null,
        scheduled: now,
        started: null,
        resolved: null,
      })),
    );
    const result = await tx
      .getRepository(Task)
      .createQueryBuilder()
      .update()
      .set({ runCount: 1, state: 'pending', pendingSince: now, takenUntil: null })
      .where('task_id IN (:...ids) AND state = :unscheduled', { ids: chunk.map((t) => t.taskId), unscheduled: 'unscheduled' })
      .execute();
    if (result.affected !== undefined && result.affected !== chunk.length) throw new RequestConflict('tasks changed while being scheduled');
    for (const task of chunk) {
      task.runCount = 1;
      task.state = 'pending';
      task.pendingSince = now;
      task.takenUntil = null;
      changes.touch(task.taskId);
      changes.pendingQueues.add(task.taskQueueId);
    }
  }
}

/**
 * Resolves the task's current run as `state`/`reason`. An unscheduled task gets a run created
 * already resolved (reasonCreated `exception`), as Taskcluster does for cancel and deadline.
 * Exceptions that earn a retry add a new pending run while retries are left; otherwise the task
 * is resolved, and on its first resolution its dependents are released.
 */
export async function resolveTask(
  tx: EntityManager,
  task: Task,
  state: 'completed' | 'failed' | 'exception',
  reason: ReasonResolved,
  now: Date,
  changes: QueueChanges,
): Promise<void> {
  const runs = tx.getRepository(TaskRun);
  if (task.state === 'unscheduled') {
    await runs.insert({
      taskId: task.taskId,
      runId: task.runCount,
      state,
      reasonCreated: 'exception',
      reasonResolved: reason,
      workerGroup: null,
      workerId: null,
      takenUntil: null,
      scheduled: now,
      started: null,
      resolved: now,
    });
    task.runCount += 1;
  } else {
    const runId = task.runCount - 1;
    const result = await runs
      .createQueryBuilder()
      .update()
      .set({ state, reasonResolved: reason, resolved: now, takenUntil: null })
      .where('task_id = :taskId AND run_id = :runId AND state IN (:...open)', { taskId: task.taskId, runId, open: ['pending', 'running'] })
      .execute();
    if (!result.affected) throw new RequestConflict(`run ${runId} of task ${task.taskId} is already resolved`);
  }
  changes.touch(task.taskId);

  const retry = state === 'exception' ? retryReason(reason) : undefined;
  if (retry && task.retriesLeft > 0 && task.deadline.getTime() > now.getTime()) {
    task.retriesLeft -= 1;
    await addPendingRun(tx, task, retry, now, changes);
    return;
  }

  const firstResolution = task.firstResolved === null;
  task.state = state;
  task.pendingSince = null;
  task.takenUntil = null;
  if (firstResolution) task.firstResolved = now;
  await tx.getRepository(Task).update(
    { taskId: task.taskId },
    { state, pendingSince: null, takenUntil: null, runCount: task.runCount, firstResolved: task.firstResolved },
  );
  // Every completion (reruns too) indexes the task's `index.` routes, in this transaction.
  if (state === 'completed') await indexCompletedTask(tx, task);
  if (firstResolution) await releaseDependents(tx, task, state, now, changes);
  await noteGroupResolved(tx, task, changes);
}

/** Marks this task's dependency rows satisfied where `requires` allows, and schedules the ready. */
async function releaseDependents(tx: EntityManager, task: Task, state: string, now: Date, changes: QueueChanges): Promise<void> {
  const deps = tx.getRepository(TaskDependency);
  const rows = await deps.find({ where: { requiredTaskId: task.taskId, satisfied: false } });
  const satisfied = rows.filter((row) => satisfiesRequirement(row.requires, state)).map((row) => row.dependentTaskId);
  if (!satisfied.length) return;
  for (let i = 0; i < satisfied.length; i += 1000) {
    await deps.update({ requiredTaskId: task.taskId, dependentTaskId: In(satisfied.slice(i, i + 1000)) }, { satisfied: true });
  }
  await scheduleReady(tx, satisfied, now, changes);
}

/** Of `taskIds`, schedules the unscheduled ones with no unsatisfied dependency left. */
export async function scheduleReady(tx: EntityManager, taskIds: string[], now: Date, changes: QueueChanges): Promise<void> {
  for (let i = 0; i < taskIds.length; i += 1000) {
    const chunk = taskIds.slice(i, i + 1000);
    const waiting = await tx
      .getRepository(TaskDependency)
      .createQueryBuilder('d')
      .select('d.dependent_task_id', 'id')
      .where('d.dependent_task_id IN (:...chunk) AND d.satisfied = :no', { chunk, no: false })
      .groupBy('d.dependent_task_id')
      .getRawMany<{ id: string }>();
    const blocked = new Set(waiting.map((w) => w.id));
    const ready = chunk.filter((id) => !blocked.has(id));
    if (!ready.length) continue;
    const tasks = await tx.getRepository(Task).find({ where: { taskId: In(ready), state: 'unscheduled' }, ...forUpdate(tx) });
    // Past their deadline: the deadline job resolves them.
    await scheduleTasks(tx, tasks.filter((task) => task.deadline.getTime() > now.getTime()), now, changes);
  }
}

/** Records a "group resolved" event when no task of the group is left unresolved. */
export async function noteGroupResolved(tx: EntityManager, task: Task, changes: QueueChanges): Promise<void> {
  if (!isResolved(task.state)) return;
  // EXISTS, not COUNT: stops at the first open task instead of counting all of a large group's.
  const open = await tx
    .getRepository(Task)
    .createQueryBuilder('t')
    .select('1', 'one')
    .where('t.task_group_id = :g AND t.state IN (:...open)', { g: task.taskGroupId, open: ['unscheduled', 'pending', 'running'] })
    .limit(1)
    .getRawOne();
  if (!open) changes.resolvedGroups.set(task.taskGroupId, task.schedulerId);
}
