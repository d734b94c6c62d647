// The SQL baseline of the throughput benchmark: the statements createTaskGraph, claimWork and
// reportCompleted issue inside their transactions, copied as TypeORM renders them (captured with
// BENCH_PROFILE=1 BENCH_PRINT_SQL=1), in the same order and number, issued through mysql2 on a
// database migrated to our schema. Left out on purpose, as what the API layer adds: the
// authentication lookup, the statuses loaded after commit (for events and for the response),
// GraphQL and HTTP. Keep in step with entities/queue/commands/{create-task,claim-work,
// run-actions}.ts, entities/queue/transitions.ts and entities/queue/sql/claim.ts.
import { EventEmitter } from 'node:events';
import type mysql from 'mysql2/promise';
import { DEADLOCK_RETRIES, experiment, isDeadlock } from './experiments';
import { openBaselineDatabase } from './gateway';
import { runLifecycle, type Batch, type LifecycleDriver, type LifecycleResult, type LifecycleSizes, type RunRef } from './lifecycle';
import { benchQueue } from './tasks';

const TASK_COLUMNS = [
  'task_id', 'task_group_id', 'scheduler_id', 'project_id', 'task_queue_id', 'priority', 'priority_rank', 'requires', 'retries', 'retries_left',
  'created', 'deadline', 'expires', 'dependencies', 'routes', 'scopes', 'payload', 'name', 'metadata', 'tags', 'extra', 'state', 'pending_since',
  'taken_until', 'first_resolved', 'run_count',
];
const SELECT_TASKS = `SELECT ${TASK_COLUMNS.map((c) => `\`Task\`.\`${c}\` AS \`Task_${c}\``).join(', ')} FROM \`tasks\` \`Task\``;
const RUN_COLUMNS = ['task_id', 'run_id', 'state', 'reason_created', 'reason_resolved', 'worker_group', 'worker_id', 'taken_until', 'scheduled', 'started', 'resolved'];
const SELECT_RUN = `SELECT ${RUN_COLUMNS.map((c) => `\`TaskRun\`.\`${c}\` AS \`TaskRun_${c}\``).join(', ')} FROM \`task_runs\` \`TaskRun\` WHERE ((\`TaskRun\`.\`task_id\` = ?) AND (\`TaskRun\`.\`run_id\` = ?)) LIMIT 1`;
const SELECT_GROUPS = (n: number) =>
  'SELECT `TaskGroup`.`task_group_id` AS `TaskGroup_task_group_id`, `TaskGroup`.`scheduler_id` AS `TaskGroup_scheduler_id`, `TaskGroup`.`project_id` AS `TaskGroup_project_id`, ' +
  '`TaskGroup`.`expires` AS `TaskGroup_expires`, `TaskGroup`.`sealed` AS `TaskGroup_sealed` FROM `task_groups` `TaskGroup` WHERE ((`TaskGroup`.`task_group_id` IN (' +
  marks(n) +
  ')))';
const INSERT_GROUP = 'INSERT INTO `task_groups`(`task_group_id`, `scheduler_id`, `project_id`, `expires`, `sealed`) VALUES (?, ?, ?, ?, ?)';
const INSERT_TASKS = (rows: number) => `INSERT INTO \`tasks\`(${TASK_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${Array(rows).fill(`(${marks(TASK_COLUMNS.length)})`).join(', ')}`;
const CLAIM_SELECT = (n: number) => `SELECT task_id FROM tasks
      WHERE task_queue_id = ? AND state = 'pending' AND deadline > ?
      ORDER BY priority_rank DESC, pending_since ASC
      LIMIT ${n} FOR UPDATE SKIP LOCKED`;
const CLAIM_TASKS = (n: number) => `UPDATE \`tasks\` SET \`state\` = ?, \`pending_since\` = ?, \`taken_until\` = ? WHERE \`task_id\` IN (${marks(n)}) AND \`state\` = ?`;
const RESOLVE_RUN = 'UPDATE `task_runs` SET `state` = ?, `reason_resolved` = ?, `resolved` = ?, `taken_until` = ? WHERE `task_id` = ? AND `run_id` = ? AND `state` IN (?, ?)';
const RESOLVE_TASK = 'UPDATE `tasks` SET `state` = ?, `pending_since` = ?, `taken_until` = ?, `run_count` = ?, `first_resolved` = ? WHERE `task_id` = ?';
const DEPENDENTS =
  'SELECT `TaskDependency`.`dependent_task_id` AS `TaskDependency_dependent_task_id`, `TaskDependency`.`required_task_id` AS `TaskDependency_required_task_id`, ' +
  '`TaskDependency`.`requires` AS `TaskDependency_requires`, `TaskDependency`.`satisfied` AS `TaskDependency_satisfied` FROM `task_dependencies` `TaskDependency` ' +
  'WHERE ((`TaskDependency`.`required_task_id` = ?) AND (`TaskDependency`.`satisfied` = ?))';

const CLAIM_TIMEOUT_MS = 1200 * 1000;
const RECHECK_MS = 5000;

function marks(n: number): string {
  return Array(n).fill('?').join(', ');
}

/** Deadlock victims run again, as the gateway's clients resend the request; counted here. */
let deadlockRetries = 0;

async function inTransaction<T>(pool: mysql.Pool, work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactionOnce(pool, work);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
      deadlockRetries += 1;
    }
  }
}

async function transactionOnce<T>(pool: mysql.Pool, work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    // As TypeORM does when given an isolation level: one more statement per transaction.
    if (experiment('read-committed')) await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await conn.query('START TRANSACTION');
    const result = await work(conn);
    await conn.query('COMMIT');
    return result;
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    conn.release();
  }
}

// The batched statements the commands issue since d5e132c:
//  - createTaskGraph: tasks with no unmet dependency are inserted already pending (run_count 1)
//    and their first runs in one multi-row INSERT (transitions.ts scheduleTasks).
//  - claimWork: one UPDATE of the claimed runs (claim-work.ts claimOnce).
//  - resolve: "is the group drained?" as EXISTS … LIMIT 1 (transitions.ts noteGroupResolved).
const INSERT_RUNS = (rows: number) => `INSERT INTO \`task_runs\`(${RUN_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${Array(rows).fill(`(${marks(RUN_COLUMNS.length)})`).join(', ')}`;
const CLAIM_RUNS = (n: number) =>
  `UPDATE task_runs r JOIN tasks t ON t.task_id = r.task_id AND r.run_id = t.run_count - 1 SET r.state = ?, r.worker_group = ?, r.worker_id = ?, r.taken_until = ?, r.started = ? WHERE r.task_id IN (${marks(n)}) AND r.state = ?`;
const GROUP_OPEN_EXISTS = 'SELECT 1 FROM `tasks` `t` WHERE `t`.`task_group_id` = ? AND `t`.`state` IN (?, ?, ?) LIMIT 1';

/** The baseline's driver: one task queue, woken like claimWork's long poll by an in-process event. */
export function sqlDriver(pool: mysql.Pool, taskQueueId: string): LifecycleDriver {
  const pending = new EventEmitter().setMaxListeners(0);
  return {
    async createBatch(batch: Batch) {
      const now = new Date();
      const deadline = new Date(now.getTime() + 3600_000);
      const expires = new Date(deadline.getTime() + 365 * 24 * 3600_000);
      const metadata = JSON.stringify({ name: 'trivial', description: '', owner: 'bench@example.com', source: 'https://example.com/bench' });
      await inTransaction(pool, async (conn) => {
        await conn.query(`${SELECT_TASKS} WHERE ((\`Task\`.\`task_id\` IN (${marks(batch.taskIds.length)})))`, batch.taskIds);
        const [groups] = await conn.query<mysql.RowDataPacket[]>(SELECT_GROUPS(1), [batch.taskGroupId]);
        if (!groups.length) await conn.query(INSERT_GROUP, [batch.taskGroupId, '-', 'none', expires, null]);
        for (let i = 0; i < batch.taskIds.length; i += 500) {
          const ids = batch.taskIds.slice(i, i + 500);
          const values = ids.flatMap((taskId) => [
            taskId, batch.taskGroupId, '-', 'none', taskQueueId, 'lowest', 1, 'all-completed', 5, 5, now, deadline, expires,
            '[]', '[]', '[]', JSON.stringify({ command: ['true'] }), 'trivial', metadata, '{}', '{}', 'pending', now, null, null, 1,
          ]);
          await conn.query(INSERT_TASKS(ids.length), values);
          await conn.query(INSERT_RUNS(ids.length), ids.flatMap((taskId) => [taskId, 0, 'pending', 'scheduled', null, null, null, null, now, null, null]));
        }
      });
      pending.emit('pending');
    },

    async claim({ workerId, tasks, signal }) {
      for (;;) {
        const claimed = await claimOnce(pool, taskQueueId, workerId, tasks);
        if (claimed.length || signal.aborted) return claimed;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            pending.off('pending', wake);
            signal.removeEventListener('abort', wake);
            resolve();
          };
          const timer = setTimeout(wake, RECHECK_MS);
          pending.on('pending', wake);
          signal.addEventListener('abort', wake, { once: true });
        });
      }
    },

    async reportCompleted(run: RunRef) {
      const now = new Date();
      await inTransaction(pool, async (conn) => {
        const [tasks] = await conn.query<mysql.RowDataPacket[]>(`${SELECT_TASKS} WHERE ((\`Task\`.\`task_id\` = ?)) LIMIT 1 FOR UPDATE`, [run.taskId]);
        const task = tasks[0];
        const [runs] = await conn.query<mysql.RowDataPacket[]>(SELECT_RUN, [run.taskId, run.runId]);
        if (!task || runs[0]?.TaskRun_state !== 'running') throw new Error(`run ${run.runId} of ${run.taskId} is not running`);
        const [resolved] = await conn.query<mysql.ResultSetHeader>(RESOLVE_RUN, ['completed', 'completed', now, null, run.taskId, run.runId, 'pending', 'running']);
        if (!resolved.affectedRows) throw new Error(`run ${run.runId} of ${run.taskId} is already resolved`);
        await conn.query(RESOLVE_TASK, ['completed', null, null, task.Task_run_count, task.Task_first_resolved ?? now, run.taskId]);
        if (task.Task_first_resolved === null) await conn.query(DEPENDENTS, [run.taskId, false]);
        await conn.query(GROUP_OPEN_EXISTS, [task.Task_task_group_id, 'unscheduled', 'pending', 'running']);
      });
    },
  };
}

async function claimOnce(pool: mysql.Pool, taskQueueId: string, workerId: string, count: number): Promise<RunRef[]> {
  const now = new Date();
  const takenUntil = new Date(now.getTime() + CLAIM_TIMEOUT_MS);
  return inTransaction(pool, async (conn) => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(CLAIM_SELECT(count), [taskQueueId, now]);
    const ids = rows.map((r) => r.task_id as string);
    if (!ids.length) return [];
    await conn.query(CLAIM_TASKS(ids.length), ['running', null, takenUntil, ...ids, 'pending']);
    await conn.query(CLAIM_RUNS(ids.length), ['running', 'bench', workerId, takenUntil, now, ...ids, 'pending']);
    const [tasks] = await conn.query<mysql.RowDataPacket[]>(`${SELECT_TASKS} WHERE ((\`Task\`.\`task_id\` IN (${marks(ids.length)})))`, ids);
    return tasks.map((task) => ({ taskId: task.Task_task_id, runId: task.Task_run_count - 1 }));
  });
}

export interface SqlBaselineResult {
  result: LifecycleResult;
  /** Transactions run again after InnoDB chose them as a deadlock victim. */
  deadlockRetries?: number;
  states: Record<string, number>;
  runs: Record<string, number>;
}

/** The lifecycle through mysql2 on a fresh migrated database, warmed up on a queue of its own. */
export async function runSqlBaseline(
  sizes: LifecycleSizes,
  options: { warmupTasks?: number; schema?: string[] } = {},
): Promise<SqlBaselineResult> {
  const { warmupTasks = 200, schema = [] } = options;
  const db = await openBaselineDatabase(schema);
  try {
    await runLifecycle(sqlDriver(db.pool, benchQueue()), { ...sizes, tasks: Math.min(warmupTasks, sizes.tasks), batch: 50 });
    const taskQueueId = benchQueue();
    deadlockRetries = 0;
    const result = await runLifecycle(sqlDriver(db.pool, taskQueueId), sizes);
    return { result, deadlockRetries, ...(await countStates((sql, params) => db.pool.query(sql, params).then(([rows]) => rows as never), taskQueueId)) };
  } finally {
    await db.close();
  }
}

/** Tasks and runs of a queue by state, to check that every task completed exactly once. */
export async function countStates(
  query: (sql: string, params: unknown[]) => Promise<{ state: string; n: string | number }[]>,
  taskQueueId: string,
): Promise<{ states: Record<string, number>; runs: Record<string, number> }> {
  const tasks = await query('SELECT state, COUNT(*) AS n FROM tasks WHERE task_queue_id = ? GROUP BY state', [taskQueueId]);
  const runs = await query('SELECT r.state, COUNT(*) AS n FROM task_runs r JOIN tasks t ON t.task_id = r.task_id WHERE t.task_queue_id = ? GROUP BY r.state', [taskQueueId]);
  const byState = (rows: { state: string; n: string | number }[]) => Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  return { states: byState(tasks), runs: byState(runs) };
}
