// Workers' completed and failed reports, committed in groups. Under load many reports arrive
// at once (a worker that claimed 32 tasks reports 32 runs); each alone is a transaction of seven
// round trips. Reports that arrive while others commit wait and go together: one locking read,
// one UPDATE of runs and one of tasks per outcome, one read of dependents, one check per task
// group, one commit. Each report is answered as it would be alone; if the shared transaction
// fails, each report is tried again in a transaction of its own, so one report's trouble is
// never another's.
import type { EntityManager } from 'typeorm';
import type { Core } from '../../core';
import { timeParam } from '../../db/columns';
import { GroupCommit, Settled } from '../../db/group-commit';
import { execute, placeholders } from '../../db/rows';
import { inTransaction } from '../../db/transaction';
import { RequestConflict, ResourceNotFound } from '../../errors';
import { indexCompletedTask } from '../../index/indexing';
import { publishChanges, QueueChanges } from '../events';
import { statusOf, TaskStatusView } from '../status';
import type { Task } from '../Task';
import type { TaskRun } from '../TaskRun';
import { lockTasksWithRuns, noteGroupResolved, releaseDependents } from '../transitions';

export interface RunReport {
  taskId: string;
  runId: number;
  state: 'completed' | 'failed';
  /**
   * Set when the caller may report only the runs its worker claimed (reportRuns without the
   * run's task credentials): an error it answers for the locked run refuses the report.
   */
  refuse?: (run: TaskRun) => Error | undefined;
}

/** Most reports in one transaction: past a few dozen a batch's locks are held longer than it saves. */
const MAX_BATCH = 64;

const batchers = new WeakMap<Core, GroupCommit<RunReport, TaskStatusView>>();

/** Commits `report` with the others waiting; if their shared transaction fails, in one of its own. */
export function commitReport(core: Core, report: RunReport): Promise<TaskStatusView> {
  let batcher = batchers.get(core);
  if (!batcher) {
    // SQLite runs one transaction at a time per process anyway; MySQL overlaps two, so one
    // batch's round trips hide the other's.
    const concurrency = core.db.options.type === 'mysql' ? 2 : 1;
    batcher = new GroupCommit((reports) => commitReports(core, reports), { maxBatch: MAX_BATCH, concurrency, key: (r) => r.taskId });
    batchers.set(core, batcher);
  }
  return batcher.submit(report).catch(async (error) => {
    if (!(error instanceof SharedTransactionFailed)) throw error;
    const [answer] = await commitReports(core, [report]);
    if ('error' in answer) throw answer.error;
    return answer.value;
  });
}

class SharedTransactionFailed extends Error {}

async function commitReports(core: Core, reports: RunReport[]): Promise<Settled<TaskStatusView>[]> {
  const changes = new QueueChanges();
  let answers: Settled<TaskStatusView>[];
  try {
    answers = await inTransaction(core.db, (tx) => resolveReports(tx, reports, core.clock.now(), changes));
  } catch (error) {
    if (reports.length === 1) throw error;
    core.log.debug({ err: error, reports: reports.length }, 'a group of reports failed together; each is tried alone');
    throw new SharedTransactionFailed('the shared transaction failed');
  }
  await publishChanges(core, changes);
  return answers;
}

async function resolveReports(tx: EntityManager, reports: RunReport[], now: Date, changes: QueueChanges): Promise<Settled<TaskStatusView>[]> {
  const locked = await lockTasksWithRuns(tx, reports.map((r) => r.taskId));
  const answers: (Settled<TaskStatusView> | { resolve: { task: Task; runs: TaskRun[] } })[] = reports.map((report) => {
    const found = locked.get(report.taskId);
    if (!found) return { error: new ResourceNotFound(`task ${report.taskId} does not exist`, { taskId: report.taskId }) };
    const run = found.runs.find((r) => r.runId === report.runId);
    const refused = run && report.refuse?.(run);
    if (refused) return { error: refused };
    return answerWithoutChange(found.task, found.runs, report.runId, report.state, report.state) ?? { resolve: found };
  });

  const resolving = reports.flatMap((report, i) => {
    const answer = answers[i];
    return 'resolve' in answer ? [{ report, ...answer.resolve }] : [];
  });
  const firstResolutions: Task[] = [];
  for (const state of ['completed', 'failed'] as const) {
    const group = resolving.filter((r) => r.report.state === state);
    if (group.length) firstResolutions.push(...(await resolveRunning(tx, group, state, now)));
  }
  for (const { task } of resolving) changes.touch(task.taskId);
  // Every completion (reruns too) indexes the task's `index.` routes; first resolutions release dependents.
  for (const { task } of resolving) if (task.state === 'completed') await indexCompletedTask(tx, task);
  if (firstResolutions.length) await releaseDependents(tx, firstResolutions, now, changes);
  const groups = new Map(resolving.map(({ task }) => [task.taskGroupId, task]));
  for (const task of groups.values()) await noteGroupResolved(tx, task, changes);

  return answers.map((answer) => ('resolve' in answer ? { value: changes.settle(answer.resolve.task, answer.resolve.runs) } : answer));
}

/**
 * Resolves the current (running) runs of locked tasks as `state`, and the tasks with them: two
 * statements for the lot. Answers the tasks resolved for the first time.
 */
async function resolveRunning(tx: EntityManager, group: { task: Task; runs: TaskRun[] }[], state: 'completed' | 'failed', now: Date): Promise<Task[]> {
  const ids = group.map(({ task }) => task.taskId);
  const at = timeParam(tx.connection, now);
  const resolved = await execute(
    tx,
    `UPDATE \`task_runs\` SET \`state\` = ?, \`reason_resolved\` = ?, \`resolved\` = ?, \`taken_until\` = NULL WHERE \`task_id\` IN (${placeholders(ids.length)}) AND \`state\` IN (?, ?)`,
    [state, state, at, ...ids, 'pending', 'running'],
  );
  // The rows are locked and were running: anything else is a bug, and the batch is retried report by report.
  if (resolved !== ids.length) throw new Error(`resolved ${resolved} of ${ids.length} runs`);
  await tx.query(
    `UPDATE \`tasks\` SET \`state\` = ?, \`pending_since\` = NULL, \`taken_until\` = NULL, \`first_resolved\` = COALESCE(\`first_resolved\`, ?) WHERE \`task_id\` IN (${placeholders(ids.length)})`,
    [state, at, ...ids],
  );
  const first = group.filter(({ task }) => task.firstResolved === null).map(({ task }) => task);
  for (const { task, runs } of group) {
    Object.assign(runs[runs.length - 1], { state, reasonResolved: state, resolved: now, takenUntil: null });
    Object.assign(task, { state, pendingSince: null, takenUntil: null, firstResolved: task.firstResolved ?? now });
  }
  return first;
}

/**
 * How a report on a locked task is answered without changing it: the status again for the same
 * report repeated, an error when the run is not the running one; undefined when it resolves it.
 */
export function answerWithoutChange(task: Task, runs: TaskRun[], runId: number, state: string, reason: string): Settled<TaskStatusView> | undefined {
  const run = runs.find((r) => r.runId === runId);
  if (!run) return { error: new RequestConflict(`task ${task.taskId} has no run ${runId}`) };
  if (run.state === state && run.reasonResolved === reason) return { value: statusOf(task, runs) };
  if (run.state === 'running' && runId === task.runCount - 1) return undefined;
  const details = { state: run.state, reasonResolved: run.reasonResolved };
  return { error: new RequestConflict(`run ${runId} of task ${task.taskId} is ${run.state}${run.reasonResolved ? ` (${run.reasonResolved})` : ''}, not running`, details) };
}
