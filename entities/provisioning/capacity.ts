// What a pool has and what its queue asks for: one grouped query for the workers of many pools,
// one for their queues' pending and claimed counts (served by the tasks_claim index).
import type { DataSource, EntityManager } from 'typeorm';
import { placeholders } from '../db/rows';

export interface PoolStats {
  workerPoolId: string;
  pendingTasks: number;
  claimedTasks: number;
  requestedCount: number;
  runningCount: number;
  stoppingCount: number;
  stoppedCount: number;
  requestedCapacity: number;
  runningCapacity: number;
  stoppingCapacity: number;
}

export async function poolStats(db: DataSource | EntityManager, workerPoolIds: readonly string[]): Promise<Map<string, PoolStats>> {
  const stats = new Map<string, PoolStats>();
  if (!workerPoolIds.length) return stats;
  for (const id of workerPoolIds) {
    stats.set(id, {
      workerPoolId: id,
      pendingTasks: 0,
      claimedTasks: 0,
      requestedCount: 0,
      runningCount: 0,
      stoppingCount: 0,
      stoppedCount: 0,
      requestedCapacity: 0,
      runningCapacity: 0,
      stoppingCapacity: 0,
    });
  }
  const ids = [...stats.keys()];
  const marks = placeholders(ids.length);
  const workers: { p: string; state: string; n: string | number; c: string | number | null }[] = await db.query(
    `SELECT worker_pool_id AS p, state, COUNT(*) AS n, SUM(capacity) AS c FROM workers WHERE worker_pool_id IN (${marks}) GROUP BY worker_pool_id, state`,
    ids,
  );
  for (const row of workers) {
    const s = stats.get(row.p)!;
    const n = Number(row.n);
    const c = Number(row.c ?? 0);
    if (row.state === 'requested') [s.requestedCount, s.requestedCapacity] = [n, c];
    else if (row.state === 'running') [s.runningCount, s.runningCapacity] = [n, c];
    else if (row.state === 'stopping') [s.stoppingCount, s.stoppingCapacity] = [n, c];
    else if (row.state === 'stopped') s.stoppedCount = n;
  }
  const tasks: { q: string; state: string; n: string | number }[] = await db.query(
    `SELECT task_queue_id AS q, state, COUNT(*) AS n FROM tasks WHERE task_queue_id IN (${marks}) AND state IN ('pending', 'running') GROUP BY task_queue_id, state`,
    ids,
  );
  for (const row of tasks) {
    const s = stats.get(row.q)!;
    if (row.state === 'pending') s.pendingTasks = Number(row.n);
    else s.claimedTasks = Number(row.n);
  }
  return stats;
}
