// claimWork: a long poll. It answers as soon as work exists — woken by the queue's "pending"
// event, not by polling — and with nothing after the wait. A slow re-check every few seconds
// covers an event lost between replicas.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { TemporaryCredentials } from '../../auth/temporary-credentials';
import { timeParam } from '../../db/columns';
import { execute, placeholders } from '../../db/rows';
import { inTransaction } from '../../db/transaction';
import { recordWorkerActivity } from '../../provisioning/worker-activity';
import { InputError } from '../../errors';
import { taskCredentials } from '../credentials';
import { publishChanges, QueueChanges, topics } from '../events';
import { scopesFor } from '../rules';
import { selectClaimable } from '../sql/claim';
import type { TaskStatusView } from '../status';
import type { Task } from '../Task';
import { runsOf } from '../transitions';
import { definitionOf } from './create-task';
import type { TaskView } from './queries';
import { checkTaskQueueId, checkWorkerIdentity } from './worker-identity';

export const MAX_CLAIM = 32;
const RECHECK_MS = 5000;

export interface TaskClaimView {
  status: TaskStatusView;
  runId: number;
  takenUntil: Date;
  task: TaskView;
  credentials: TemporaryCredentials;
}

export interface ClaimWorkProps {
  taskQueueId: string;
  workerGroup: string;
  workerId: string;
  tasks?: number;
  /** How long to wait for work; the API uses about 20 s. */
  waitMs?: number;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

export async function claimWork(ctx: CommandContext, props: ClaimWorkProps): Promise<TaskClaimView[]> {
  const { taskQueueId, workerGroup, workerId } = props;
  const count = props.tasks ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_CLAIM) throw new InputError(`tasks must be from 1 to ${MAX_CLAIM}`);
  checkTaskQueueId(taskQueueId);
  checkWorkerIdentity(workerGroup, workerId);
  await requireScopes(ctx, scopesFor.claimWork(taskQueueId, workerGroup, workerId), 'claimWork');

  const deadline = Date.now() + (props.waitMs ?? 20_000);
  let wake: (() => void) | undefined;
  // An event that came while a claim attempt ran (no one waiting yet) must not be lost: it may be
  // for work committed after that attempt looked, so look again at once.
  let woken = false;
  const unsubscribe = await ctx.core.events.subscribe(topics.pending(taskQueueId), () => {
    woken = true;
    wake?.();
  });
  try {
    for (;;) {
      woken = false;
      const claims = await claimOnce(ctx, { ...props, tasks: count });
      if (claims.length || Date.now() >= deadline || props.signal?.aborted) return claims;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(RECHECK_MS, deadline - Date.now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        props.signal?.addEventListener('abort', wake, { once: true });
      });
      if (wake) props.signal?.removeEventListener('abort', wake);
      wake = undefined;
    }
  } finally {
    await unsubscribe();
  }
}

async function claimOnce(ctx: CommandContext, props: ClaimWorkProps & { tasks: number }): Promise<TaskClaimView[]> {
  const { core } = ctx;
  const now = core.clock.now();
  const takenUntil = new Date(now.getTime() + core.config.claimTimeoutMs);
  const changes = new QueueChanges();
  const claimed = await inTransaction(core.db, async (tx) => {
    const tasks = await selectClaimable(tx, props.taskQueueId, props.tasks, now);
    if (!tasks.length) return [];
    // A provisioned worker that claims is active; one its pool is stopping claims nothing.
    if (!(await recordWorkerActivity(tx, { workerPoolId: props.taskQueueId, workerGroup: props.workerGroup, workerId: props.workerId, now }))) return [];
    const ids = tasks.map((task) => task.taskId);
    const marks = placeholders(ids.length);
    const until = timeParam(tx.connection, takenUntil);
    await tx.query(`UPDATE \`tasks\` SET \`state\` = 'running', \`pending_since\` = NULL, \`taken_until\` = ? WHERE \`task_id\` IN (${marks}) AND \`state\` = 'pending'`, [until, ...ids]);
    // A pending task's only pending run is its latest: one statement for all of them.
    await tx.query(
      `UPDATE \`task_runs\` SET \`state\` = 'running', \`worker_group\` = ?, \`worker_id\` = ?, \`taken_until\` = ?, \`started\` = ? WHERE \`task_id\` IN (${marks}) AND \`state\` = 'pending'`,
      [props.workerGroup, props.workerId, until, timeParam(tx.connection, now), ...ids],
    );
    // The runs as they now are, for the statuses the claims answer with.
    const runs = await runsOf(tx, ids);
    return tasks.map((task) => {
      const pendingSince = task.pendingSince;
      Object.assign(task, { state: 'running', pendingSince: null, takenUntil });
      return { task, pendingSince, status: changes.settle(task, runs.get(task.taskId) ?? []) };
    });
  });
  if (!claimed.length) return [];
  // A client that went away while its claim committed will never read the answer: the claim is
  // undone, not left to lapse (claimTimeout later, with a retry spent). Checked once, here; a
  // client that leaves after this is answered into a closed socket and its claims lapse.
  if (props.signal?.aborted) {
    await unclaim(ctx, props, claimed, takenUntil);
    return [];
  }
  await publishChanges(core, changes);
  return claimed.map(({ task, status }) => {
    const runId = task.runCount - 1;
    return {
      status,
      runId,
      takenUntil,
      task: { taskId: task.taskId, ...definitionOf(task), status },
      credentials: taskCredentials(core.credentialsKey, { taskId: task.taskId, runId, workerGroup: props.workerGroup, workerId: props.workerId, scopes: task.scopes, takenUntil, now }),
    };
  });
}

/**
 * Puts claimed tasks back as they were: pending, in their place in line (their `pending_since`),
 * their run pending again with no worker. Each task only if it is still as the claim left it (a
 * cancel may have come between). Nothing was published for the claim, so nothing is retracted;
 * the queue's claimers are told the work is there.
 */
async function unclaim(ctx: CommandContext, props: ClaimWorkProps, claimed: { task: Task; pendingSince: Date | null }[], takenUntil: Date): Promise<void> {
  const { core } = ctx;
  try {
    const undone = await inTransaction(core.db, async (tx) => {
      const until = timeParam(tx.connection, takenUntil);
      let count = 0;
      for (const { task, pendingSince } of claimed) {
        const since = pendingSince ? timeParam(tx.connection, pendingSince) : null;
        const runId = task.runCount - 1;
        // The task row first, as every transition locks it before its runs.
        const back = await execute(
          tx,
          "UPDATE `tasks` SET `state` = 'pending', `pending_since` = ?, `taken_until` = NULL WHERE `task_id` = ? AND `state` = 'running' AND `taken_until` = ? AND `run_count` = ?",
          [since, task.taskId, until, task.runCount],
        );
        if (!back) continue;
        await tx.query(
          "UPDATE `task_runs` SET `state` = 'pending', `worker_group` = NULL, `worker_id` = NULL, `taken_until` = NULL, `started` = NULL WHERE `task_id` = ? AND `run_id` = ?",
          [task.taskId, runId],
        );
        count += 1;
      }
      return count;
    });
    const changes = new QueueChanges();
    changes.pendingQueues.add(props.taskQueueId);
    await publishChanges(core, changes);
    core.log.info({ taskQueueId: props.taskQueueId, workerGroup: props.workerGroup, workerId: props.workerId, undone, claimed: claimed.length }, 'claim undone: its client went away before the answer');
  } catch (error) {
    core.log.error({ err: error, taskQueueId: props.taskQueueId, workerGroup: props.workerGroup, workerId: props.workerId }, 'could not undo the claim of a client that went away; the claims lapse at their claim timeout');
  }
}
