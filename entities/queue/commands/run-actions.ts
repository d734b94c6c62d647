// What a worker does with a claimed run: reclaim it, report it completed, failed or an exception.
// Reports are idempotent: repeating the same report answers with the same status.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { InputError, InsufficientScopes, RequestConflict } from '../../errors';
import { missingScopes } from '../../auth/scopes';
import { taskCredentials } from '../credentials';
import { publishChanges, QueueChanges } from '../events';
import { ReasonResolved, scopesFor, WORKER_EXCEPTION_REASONS, WorkerExceptionReason } from '../rules';
import { loadStatuses, TaskStatusView } from '../status';
import { Task } from '../Task';
import { TaskRun } from '../TaskRun';
import { lockTask, lockTaskWithRuns, resolveTask } from '../transitions';
import type { TaskClaimView } from './claim-work';
import { definitionOf } from './create-task';
import { answerWithoutChange, commitReport } from './report-batch';

interface RunRef {
  taskId: string;
  runId: number;
}

export async function reclaimTask(ctx: CommandContext, props: RunRef): Promise<TaskClaimView> {
  await requireScopes(ctx, scopesFor.reclaimTask(props.taskId, props.runId), 'reclaimTask');
  const { core } = ctx;
  const now = core.clock.now();
  const takenUntil = new Date(now.getTime() + core.config.claimTimeoutMs);
  const { task, run } = await inTransaction(core.db, async (tx) => {
    const task = await lockTask(tx, props.taskId);
    const run = await tx.getRepository(TaskRun).findOneBy({ taskId: props.taskId, runId: props.runId });
    if (!run) throw new RequestConflict(`task ${props.taskId} has no run ${props.runId}`);
    if (run.state !== 'running') {
      // The worker learns here that the run was canceled, expired or resolved: it must stop.
      throw new RequestConflict(`run ${props.runId} of task ${props.taskId} is ${run.state}${run.reasonResolved ? ` (${run.reasonResolved})` : ''}, not running`, {
        state: run.state,
        reasonResolved: run.reasonResolved,
      });
    }
    if (task.deadline.getTime() <= now.getTime()) throw new RequestConflict(`task ${props.taskId} is past its deadline`);
    await tx.getRepository(TaskRun).update({ taskId: props.taskId, runId: props.runId, state: 'running' }, { takenUntil });
    await tx.getRepository(Task).update({ taskId: props.taskId, state: 'running' }, { takenUntil });
    return { task, run };
  });
  const [status] = await loadStatuses(core.db.manager, [props.taskId]);
  return {
    status: status!,
    runId: props.runId,
    takenUntil,
    task: { taskId: task.taskId, ...definitionOf(task), status: status! },
    credentials: taskCredentials(core.credentialsKey, {
      taskId: props.taskId,
      runId: props.runId,
      workerGroup: run.workerGroup ?? '',
      workerId: run.workerId ?? '',
      scopes: task.scopes,
      takenUntil,
      now,
    }),
  };
}

export function reportCompleted(ctx: CommandContext, props: RunRef): Promise<TaskStatusView> {
  return reportRun(ctx, props, 'completed', 'completed');
}

export function reportFailed(ctx: CommandContext, props: RunRef): Promise<TaskStatusView> {
  return reportRun(ctx, props, 'failed', 'failed');
}

export function reportException(ctx: CommandContext, props: RunRef & { reason: string }): Promise<TaskStatusView> {
  if (!(WORKER_EXCEPTION_REASONS as readonly string[]).includes(props.reason)) {
    throw new InputError(`reason must be one of ${WORKER_EXCEPTION_REASONS.join(', ')}`, { field: 'reason' });
  }
  return reportRun(ctx, props, 'exception', props.reason as WorkerExceptionReason);
}

/** Most runs one reportRuns call reports. */
export const MAX_RUN_REPORTS = 64;

/**
 * Several runs reported completed or failed in one call (committed together with whatever other
 * reports are waiting). Each is allowed by the run's task credentials or by the identity of the
 * worker that claimed it, and answered on its own: a status, or the error it would get alone.
 */
export async function reportRuns(ctx: CommandContext, reports: { taskId: string; runId: number; state: string }[]): Promise<(TaskStatusView | Error)[]> {
  if (!reports.length || reports.length > MAX_RUN_REPORTS) throw new InputError(`reports must hold 1 to ${MAX_RUN_REPORTS} runs, not ${reports.length}`, { field: 'reports' });
  reports.forEach((r, i) => {
    if (r.state !== 'completed' && r.state !== 'failed') {
      throw new InputError(`reports[${i}].state must be completed or failed, not ${JSON.stringify(r.state)} (reportException reports an exception)`, { field: `reports.${i}.state` });
    }
  });
  const answers = await Promise.allSettled(
    reports.map(({ taskId, runId, state }) => {
      const byTaskCredentials = missingScopes(ctx.caller.scopes, scopesFor.resolveTask(taskId, runId)) === undefined;
      const refuse = byTaskCredentials ? undefined : (run: TaskRun) => refuseUnlessClaimant(ctx, run);
      return commitReport(ctx.core, { taskId, runId, state: state as 'completed' | 'failed', refuse });
    }),
  );
  return answers.map((a) => (a.status === 'fulfilled' ? a.value : a.reason instanceof Error ? a.reason : new Error(String(a.reason))));
}

/** Refuses a report unless the caller is the worker that claimed the run. */
function refuseUnlessClaimant(ctx: CommandContext, run: TaskRun): Error | undefined {
  const identity = run.workerGroup !== null && run.workerId !== null ? scopesFor.workerIdentity(run.workerGroup, run.workerId) : undefined;
  if (identity && missingScopes(ctx.caller.scopes, identity) === undefined) return undefined;
  const resolve = scopesFor.resolveTask(run.taskId, run.runId);
  return new InsufficientScopes([resolve], [], `reportRuns (or the claiming worker’s ${identity ?? 'queue:worker-id:<workerGroup>/<workerId>'})`);
}

async function reportRun(ctx: CommandContext, props: RunRef, state: 'completed' | 'failed' | 'exception', reason: ReasonResolved): Promise<TaskStatusView> {
  await requireScopes(ctx, scopesFor.resolveTask(props.taskId, props.runId), `report ${reason}`);
  if (state !== 'exception') return commitReport(ctx.core, { taskId: props.taskId, runId: props.runId, state });
  const changes = new QueueChanges();
  const status = await inTransaction(ctx.core.db, async (tx) => {
    const { task, runs } = await lockTaskWithRuns(tx, props.taskId);
    const answer = answerWithoutChange(task, runs, props.runId, state, reason);
    if (answer && 'error' in answer) throw answer.error;
    if (answer) return answer.value;
    await resolveTask(tx, task, state, reason, ctx.core.clock.now(), changes, runs);
    return changes.settle(task, runs);
  });
  await publishChanges(ctx.core, changes);
  return status;
}
