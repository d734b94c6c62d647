// The state changes every queue command is made of, inside the caller's transaction. Each is a
// conditional write on a row the caller has locked (MySQL: SELECT … FOR UPDATE; SQLite: the
// single writer), so two commands racing on one task cannot both apply. The per-task statements
// are written by hand (entities/db/rows.ts says why); their text is what bench/queue-throughput's
// SQL baseline issues, so keep the two in step.
import { EntityManager, In } from 'typeorm';
import { timeParam } from '../db/columns';
import { execute, hydrate, insertRows, placeholders, selectColumns } from '../db/rows';
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
  const rows: Record<string, unknown>[] = await tx.query(`SELECT ${selectColumns(tx, Task, 't')} FROM \`tasks\` \`t\` WHERE \`t\`.\`task_id\` = ?${lockClause(tx)}`, [taskId]);
  if (!rows.length) throw new ResourceNotFound(`task ${taskId} does not exist`, { taskId });
  return hydrate(tx, Task, 't', rows[0])!;
}

/**
 * The task locked, with all its runs in order, in one statement (a worker's report needs both,
 * and the status it answers with is built from them). The run rows are locked too: every
 * command locks a task before its runs, so the order is the same everywhere.
 */
export async function lockTaskWithRuns(tx: EntityManager, taskId: string): Promise<{ task: Task; runs: TaskRun[] }> {
  const found = (await lockTasksWithRuns(tx, [taskId])).get(taskId);
  if (!found) throw new ResourceNotFound(`task ${taskId} does not exist`, { taskId });
  return found;
}

/** As lockTaskWithRuns, for several tasks in one statement (in key order, as every multi-task lock); missing tasks are left out. */
export async function lockTasksWithRuns(tx: EntityManager, taskIds: string[]): Promise<Map<string, { task: Task; runs: TaskRun[] }>> {
  const rows: Record<string, unknown>[] = await tx.query(
    `SELECT ${selectColumns(tx, Task, 't')}, ${selectColumns(tx, TaskRun, 'r')} FROM \`tasks\` \`t\` LEFT JOIN \`task_runs\` \`r\` ON \`r\`.\`task_id\` = \`t\`.\`task_id\` ` +
      `WHERE \`t\`.\`task_id\` IN (${placeholders(taskIds.length)}) ORDER BY \`t\`.\`task_id\`, \`r\`.\`run_id\`${lockClause(tx)}`,
    taskIds,
  );
  const found = new Map<string, { task: Task; runs: TaskRun[] }>();
  for (const row of rows) {
    const taskId = row.t_task_id as string;
    let entry = found.get(taskId);
    if (!entry) found.set(taskId, (entry = { task: hydrate(tx, Task, 't', row)!, runs: [] }));
    const run = hydrate(tx, TaskRun, 'r', row);
    if (run) entry.runs.push(run);
  }
  return found;
}

function lockClause(tx: EntityManager): string {
  return tx.connection.options.type === 'mysql' ? ' FOR UPDATE' : '';
}

export async function currentRun(tx: EntityManager, task: Task): Promise<TaskRun | null> {
  if (task.runCount === 0) return null;
  return tx.getRepository(TaskRun).findOneBy({ taskId: task.taskId, runId: task.runCount - 1 });
}

/**
 * Adds a pending run (the task becomes pending). `runs`, when the caller holds the task's runs
 * (to answer with its status), gets the new run too.
 */
export async function addPendingRun(tx: EntityManager, task: Task, reason: ReasonCreated, now: Date, changes: QueueChanges, runs?: TaskRun[]): Promise<void> {
  if (task.runCount >= MAX_RUNS) throw new RequestConflict(`task ${task.taskId} already has ${MAX_RUNS} runs, the most a task may have`);
  const run = newRun(task.taskId, task.runCount, 'pending', reason, now);
  await tx.getRepository(TaskRun).insert(run);
  runs?.push(run);
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

/** A run as it is inserted: `resolved` set for a run created already resolved. */
export function newRun(taskId: string, runId: number, state: string, reasonCreated: ReasonCreated, now: Date, reasonResolved: ReasonResolved | null = null): TaskRun {
  return Object.assign(new TaskRun(), {
    taskId,
    runId,
    state,
    reasonCreated,
    reasonResolved,
    workerGroup: null,
    workerId: null,
    takenUntil: null,
    scheduled: now,
    started: null,
    resolved: reasonResolved ? now : null,
  });
}

/** First runs (pending, `scheduled`) of tasks about to become pending, in one multi-row INSERT per 500. */
export async function insertFirstRuns(tx: EntityManager, taskIds: string[], now: Date): Promise<TaskRun[]> {
  const runs = taskIds.map((taskId) => newRun(taskId, 0, 'pending', 'scheduled', now));
  for (let i = 0; i < runs.length; i += 500) await insertRows(tx, TaskRun, runs.slice(i, i + 500));
  return runs;
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
    await insertFirstRuns(tx, chunk.map((task) => task.taskId), now);
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
 * is resolved, and on its first resolution its dependents are released. `runs`, when the caller
 * holds the task's runs, is kept as the database has them.
 */
export async function resolveTask(
  tx: EntityManager,
  task: Task,
  state: 'completed' | 'failed' | 'exception',
  reason: ReasonResolved,
  now: Date,
  changes: QueueChanges,
  runs?: TaskRun[],
): Promise<void> {
  if (task.state === 'unscheduled') {
    const run = newRun(task.taskId, task.runCount, state, 'exception', now, reason);
    await tx.getRepository(TaskRun).insert(run);
    runs?.push(run);
    task.runCount += 1;
  } else {
    const runId = task.runCount - 1;
    const resolved = await execute(
      tx,
      'UPDATE `task_runs` SET `state` = ?, `reason_resolved` = ?, `resolved` = ?, `taken_until` = NULL WHERE `task_id` = ? AND `run_id` = ? AND `state` IN (?, ?)',
      [state, reason, timeParam(tx.connection, now), task.taskId, runId, 'pending', 'running'],
    );
    if (!resolved) throw new RequestConflict(`run ${runId} of task ${task.taskId} is already resolved`);
    const run = runs?.find((r) => r.runId === runId);
    if (run) Object.assign(run, { state, reasonResolved: reason, resolved: now, takenUntil: null });
  }
  changes.touch(task.taskId);

  const retry = state === 'exception' ? retryReason(reason) : undefined;
  if (retry && task.retriesLeft > 0 && task.deadline.getTime() > now.getTime()) {
    task.retriesLeft -= 1;
    await addPendingRun(tx, task, retry, now, changes, runs);
    return;
  }

  const firstResolution = task.firstResolved === null;
  task.state = state;
  task.pendingSince = null;
  task.takenUntil = null;
  if (firstResolution) task.firstResolved = now;
  await tx.query('UPDATE `tasks` SET `state` = ?, `pending_since` = NULL, `taken_until` = NULL, `run_count` = ?, `first_resolved` = ? WHERE `task_id` = ?', [
    state,
    task.runCount,
    timeParam(tx.connection, task.firstResolved!),
    task.taskId,
  ]);
  // Every completion (reruns too) indexes the task's `index.` routes, in this transaction.
  if (state === 'completed') await indexCompletedTask(tx, task);
  if (firstResolution) await releaseDependents(tx, [task], now, changes);
  await noteGroupResolved(tx, task, changes);
}

/**
 * Marks the dependency rows of tasks just resolved for the first time satisfied where `requires`
 * allows, and schedules the dependents left with nothing to wait for.
 */
export async function releaseDependents(tx: EntityManager, resolved: { taskId: string; state: string }[], now: Date, changes: QueueChanges): Promise<void> {
  const stateOf = new Map(resolved.map((r) => [r.taskId, r.state]));
  const rows: { required_task_id: string; dependent_task_id: string; requires: string }[] = await tx.query(
    `SELECT \`required_task_id\`, \`dependent_task_id\`, \`requires\` FROM \`task_dependencies\` WHERE \`required_task_id\` IN (${placeholders(resolved.length)}) AND \`satisfied\` = 0`,
    resolved.map((r) => r.taskId),
  );
  const satisfiedBy = new Map<string, string[]>();
  for (const row of rows) {
    if (!satisfiesRequirement(row.requires, stateOf.get(row.required_task_id)!)) continue;
    const list = satisfiedBy.get(row.required_task_id);
    if (list) list.push(row.dependent_task_id);
    else satisfiedBy.set(row.required_task_id, [row.dependent_task_id]);
  }
  if (!satisfiedBy.size) return;
  const dependents = [...new Set([...satisfiedBy.values()].flat())];
  // Two dependencies of one task resolving at once take turns on the dependent: the second then
  // sees the first's mark. Otherwise each sees the other's row unmarked and neither schedules it.
  await lockTasks(tx, dependents);
  const deps = tx.getRepository(TaskDependency);
  for (const [requiredTaskId, satisfied] of satisfiedBy) {
    for (let i = 0; i < satisfied.length; i += 1000) {
      await deps.update({ requiredTaskId, dependentTaskId: In(satisfied.slice(i, i + 1000)) }, { satisfied: true });
    }
  }
  await scheduleReady(tx, dependents, now, changes);
}

/** Of `taskIds`, schedules the unscheduled ones with no unsatisfied dependency left. */
export async function scheduleReady(tx: EntityManager, taskIds: string[], now: Date, changes: QueueChanges): Promise<void> {
  for (let i = 0; i < taskIds.length; i += 1000) {
    const chunk = taskIds.slice(i, i + 1000);
    // A locking read: it sees marks committed since this transaction's snapshot was taken.
    const waiting: { id: string }[] = await tx.query(
      `SELECT DISTINCT \`dependent_task_id\` AS \`id\` FROM \`task_dependencies\` WHERE \`dependent_task_id\` IN (${placeholders(chunk.length)}) AND \`satisfied\` = 0${isMysql(tx) ? ' LOCK IN SHARE MODE' : ''}`,
      chunk,
    );
    const blocked = new Set(waiting.map((w) => w.id));
    const ready = chunk.filter((id) => !blocked.has(id));
    if (!ready.length) continue;
    const tasks = await tx.getRepository(Task).find({ where: { taskId: In(ready), state: 'unscheduled' }, ...forUpdate(tx) });
    // Past their deadline: the deadline job resolves them.
    await scheduleTasks(tx, tasks.filter((task) => task.deadline.getTime() > now.getTime()), now, changes);
  }
}

/** Locks tasks' rows, in key order (so two transactions cannot deadlock on them); MySQL only, as forUpdate. */
async function lockTasks(tx: EntityManager, taskIds: string[]): Promise<void> {
  if (!isMysql(tx)) return;
  const sorted = [...taskIds].sort();
  for (let i = 0; i < sorted.length; i += 1000) {
    const chunk = sorted.slice(i, i + 1000);
    await tx.query(`SELECT \`task_id\` FROM \`tasks\` WHERE \`task_id\` IN (${placeholders(chunk.length)}) ORDER BY \`task_id\` FOR UPDATE`, chunk);
  }
}

function isMysql(tx: EntityManager): boolean {
  return tx.connection.options.type === 'mysql';
}

/** Records a "group resolved" event when no task of the group is left unresolved. */
export async function noteGroupResolved(tx: EntityManager, task: Task, changes: QueueChanges): Promise<void> {
  if (!isResolved(task.state)) return;
  // EXISTS, not COUNT: stops at the first open task instead of counting all of a large group's.
  const open: unknown[] = await tx.query("SELECT 1 FROM `tasks` WHERE `task_group_id` = ? AND `state` IN ('unscheduled', 'pending', 'running') LIMIT 1", [task.taskGroupId]);
  if (!open.length) changes.resolvedGroups.set(task.taskGroupId, task.schedulerId);
}

/** The runs of `taskIds` (≤ 1000), each task's in order. */
export async function runsOf(tx: EntityManager, taskIds: string[]): Promise<Map<string, TaskRun[]>> {
  const byTask = new Map<string, TaskRun[]>();
  if (!taskIds.length) return byTask;
  const rows: Record<string, unknown>[] = await tx.query(
    `SELECT ${selectColumns(tx, TaskRun, 'r')} FROM \`task_runs\` \`r\` WHERE \`r\`.\`task_id\` IN (${placeholders(taskIds.length)}) ORDER BY \`r\`.\`task_id\`, \`r\`.\`run_id\``,
    taskIds,
  );
  for (const row of rows) {
    const run = hydrate(tx, TaskRun, 'r', row)!;
    const list = byTask.get(run.taskId);
    if (list) list.push(run);
    else byTask.set(run.taskId, [run]);
  }
  return byTask;
}
