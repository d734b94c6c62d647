// The claim query: the oldest pending tasks of the highest priority in a queue, locked for this
// transaction. On MySQL/MariaDB, SKIP LOCKED lets concurrent claimers take disjoint rows instead
// of queueing behind each other; SQLite has one writer, which serializes claimers anyway.
// The index tasks_claim (task_queue_id, state, priority_rank DESC, pending_since) serves it in
// order. Measured on MariaDB with 2,000 pending tasks: with an all-ascending index the query
// filesorted and FOR UPDATE locked every pending row, so a second concurrent claimer got nothing
// and waited for its recheck; with the DESC column each claimer locks only the 32 rows it takes.
// It reads the whole rows (the claim answers with each task's definition): locking a row reads it
// anyway, and a second SELECT by id cost a round trip per claim. The index is forced: MariaDB at
// times chose tasks_deadline for `deadline > ?`, and the locking read then held hundreds of rows
// and the deadline index's gaps, deadlocking with createTaskGraph's inserts (bench/queue-throughput
// saw 17 deadlocks in a run).
import type { EntityManager } from 'typeorm';
import { timeParam } from '../../db/columns';
import { hydrate, selectColumns } from '../../db/rows';
import { Task } from '../Task';

/** The tasks to claim, locked, in claim order. */
export async function selectClaimable(tx: EntityManager, taskQueueId: string, count: number, now: Date): Promise<Task[]> {
  const mysql = tx.connection.options.type === 'mysql';
  const rows: Record<string, unknown>[] = await tx.query(
    `SELECT ${selectColumns(tx, Task, 't')} FROM \`tasks\` \`t\`${mysql ? ' FORCE INDEX (`tasks_claim`)' : ''}
      WHERE \`t\`.\`task_queue_id\` = ? AND \`t\`.\`state\` = 'pending' AND \`t\`.\`deadline\` > ?
      ORDER BY \`t\`.\`priority_rank\` DESC, \`t\`.\`pending_since\` ASC
      LIMIT ${Number(count)}${mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
    [taskQueueId, timeParam(tx.connection, now)],
  );
  return rows.map((row) => hydrate(tx, Task, 't', row)!);
}
