// The claim query: the oldest pending tasks of the highest priority in a queue, locked for this
// transaction. On MySQL/MariaDB, SKIP LOCKED lets concurrent claimers take disjoint rows instead
// of queueing behind each other; SQLite has one writer, which serializes claimers anyway.
// The index tasks_claim (task_queue_id, state, priority_rank DESC, pending_since) serves it in
// order. Measured on MariaDB with 2,000 pending tasks: with an all-ascending index the query
// filesorted and FOR UPDATE locked every pending row, so a second concurrent claimer got nothing
// and waited for its recheck; with the DESC column each claimer locks only the 32 rows it takes.
import type { EntityManager } from 'typeorm';
import { timeParam } from '../../db/columns';

export async function selectClaimable(tx: EntityManager, taskQueueId: string, count: number, now: Date): Promise<string[]> {
  const mysql = tx.connection.options.type === 'mysql';
  const rows: { task_id: string }[] = await tx.query(
    `SELECT task_id FROM tasks
      WHERE task_queue_id = ? AND state = 'pending' AND deadline > ?
      ORDER BY priority_rank DESC, pending_since ASC
      LIMIT ${Number(count)}${mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
    [taskQueueId, timeParam(tx.connection, now)],
  );
  return rows.map((row) => row.task_id);
}
