// A worker's activity, as the provisioner judges inactivity: registering, claiming a task (the
// claim transaction records it here, so there is no extra transaction per claim), running one,
// or having resolved one lately (read from task_runs through the task_runs_worker index).
import type { EntityManager } from 'typeorm';
import { timeParam } from '../db/columns';
import { Worker } from './Worker';

/**
 * Called inside claimWork's transaction once there is work to claim: records the claim as the
 * worker's activity (one UPDATE by the workers_identity key, no transaction of its own) and says
 * whether the worker may claim. A worker its pool is stopping (or has stopped) may not: the
 * provisioner's stop and this UPDATE serialize on the worker's row, so either the claim comes
 * first and the worker is no longer idle, or the stop does and the tasks stay pending for others.
 * Workers that no pool provisioned (no row) claim as before.
 */
export async function recordWorkerActivity(
  tx: EntityManager,
  props: { workerPoolId: string; workerGroup: string; workerId: string; now: Date },
): Promise<boolean> {
  const identity = { p: props.workerPoolId, g: props.workerGroup, w: props.workerId };
  const result = await tx
    .createQueryBuilder()
    .update(Worker)
    .set({ lastActive: props.now })
    .where("worker_pool_id = :p AND worker_group = :g AND worker_id = :w AND state IN ('requested', 'running')", identity)
    .execute();
  if (result.affected) return true;
  const known: unknown[] = await tx.query('SELECT 1 FROM workers WHERE worker_pool_id = ? AND worker_group = ? AND worker_id = ?', [identity.p, identity.g, identity.w]);
  return known.length === 0;
}

/**
 * Whether a worker runs a task now or resolved one after `since`. Asked only for workers whose
 * last claim is older than the pool's queueInactivityTimeout: a worker between two tasks, or one
 * busy with a task longer than the timeout, is not idle.
 */
export async function workedSince(tx: EntityManager, props: { workerGroup: string; workerId: string; since: Date }): Promise<boolean> {
  const rows: unknown[] = await tx.query(
    `SELECT 1 FROM task_runs WHERE worker_group = ? AND worker_id = ? AND (state = 'running' OR resolved > ?) LIMIT 1`,
    [props.workerGroup, props.workerId, timeParam(tx.connection, props.since)],
  );
  return rows.length > 0;
}
