// A worker that is gone (its process exited, its provider stopped it) can no longer resolve the
// runs it held: they are resolved exception/worker-shutdown now, and retried at once while
// retries are left — not after the claim lapses (claimTimeout, 20 minutes by default). Called by
// the provisioner and its providers, as the platform: no caller scopes.
//
// Each run is a conditional write under the task's row lock, re-checked there: the worker's own
// report, claim-expiry upkeep in another cron, a cancel or a second call may have got there
// first, and then this leaves the run alone. Calling it again is harmless.
import type { Core } from '../../core';
import { inTransaction } from '../../db/transaction';
import { publishChanges, QueueChanges } from '../events';
import { TaskRun } from '../TaskRun';
import { lockTask, resolveTask } from '../transitions';

export interface GoneWorker {
  /** The worker's pool, which is the task queue it claims from. */
  workerPoolId: string;
  workerGroup: string;
  workerId: string;
}

/** Resolves the worker's runs still `running` as exception/worker-shutdown; answers how many. */
export async function resolveRunsOfGoneWorker(core: Core, worker: GoneWorker): Promise<number> {
  const { workerGroup, workerId } = worker;
  // Read through the task_runs_worker index (worker_group, worker_id, …); a worker holds ≤ 32.
  const held = await core.db.getRepository(TaskRun).find({ select: { taskId: true, runId: true }, where: { workerGroup, workerId, state: 'running' } });
  let resolved = 0;
  for (const { taskId, runId } of held) {
    const changes = new QueueChanges();
    // One transaction per run: a task that cannot take a retry (MAX_RUNS) fails alone.
    try {
      const done = await inTransaction(core.db, async (tx) => {
        const task = await lockTask(tx, taskId);
        const run = await tx.getRepository(TaskRun).findOneBy({ taskId, runId });
        const stillHeld =
          run?.state === 'running' && run.workerGroup === workerGroup && run.workerId === workerId && task.taskQueueId === worker.workerPoolId && runId === task.runCount - 1;
        if (!stillHeld) return false;
        await resolveTask(tx, task, 'exception', 'worker-shutdown', core.clock.now(), changes);
        return true;
      });
      await publishChanges(core, changes);
      if (done) {
        resolved += 1;
        core.log.info({ taskId, runId, workerPoolId: worker.workerPoolId, workerGroup, workerId }, 'run resolved exception/worker-shutdown: its worker is gone');
      }
    } catch (error) {
      core.log.error({ err: error, taskId, runId, workerGroup, workerId }, 'could not resolve a run of a gone worker; its claim expiry will');
    }
  }
  return resolved;
}
