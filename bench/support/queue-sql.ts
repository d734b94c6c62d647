// The SQL baseline of the throughput benchmark: the statements createTaskGraph, claimWork and the
// group-committed reports issue inside their transactions, copied as TypeORM renders them
// (captured with BENCH_PROFILE=1 BENCH_PRINT_SQL=1), in the same order and number, issued through
// mysql2 on a database migrated to our schema. Left out on purpose, as what the API layer adds:
// the authentication lookup, GraphQL and HTTP. (The statuses the commands answer with and publish
// are built from the rows these statements read, so they cost no statement.) Keep in step with
// entities/queue/commands/{create-task,claim-work,report-batch}.ts, entities/queue/transitions.ts,
// entities/queue/sql/claim.ts and entities/provisioning/worker-activity.ts.
import { EventEmitter } from 'node:events';
import type mysql from 'mysql2/promise';
import { GroupCommit } from '../../entities/db/group-commit';
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
const aliased = (alias: string, columns: string[]) => columns.map((c) => `\`${alias}\`.\`${c}\` AS \`${alias}_${c}\``).join(', ');
const SELECT_GROUPS = (n: number) =>
  'SELECT `TaskGroup`.`task_group_id` AS `TaskGroup_task_group_id`, `TaskGroup`.`scheduler_id` AS `TaskGroup_scheduler_id`, `TaskGroup`.`project_id` AS `TaskGroup_project_id`, ' +
  '`TaskGroup`.`expires` AS `TaskGroup_expires`, `TaskGroup`.`sealed` AS `TaskGroup_sealed` FROM `task_groups` `TaskGroup` WHERE ((`TaskGroup`.`task_group_id` IN (' +
  marks(n) +
  ')))';
const INSERT_GROUP = 'INSERT IGNORE INTO `task_groups` (`task_group_id`, `scheduler_id`, `project_id`, `expires`, `sealed`) VALUES (?, ?, ?, ?, NULL)';
const LOCK_GROUP =
  'SELECT `TaskGroup`.`task_group_id` AS `TaskGroup_task_group_id`, `TaskGroup`.`scheduler_id` AS `TaskGroup_scheduler_id`, `TaskGroup`.`project_id` AS `TaskGroup_project_id`, ' +
  '`TaskGroup`.`expires` AS `TaskGroup_expires`, `TaskGroup`.`sealed` AS `TaskGroup_sealed` FROM `task_groups` `TaskGroup` WHERE ((`TaskGroup`.`task_group_id` = ?)) LIMIT 1 FOR UPDATE';
const INSERT_TASKS = (rows: number) => `INSERT INTO \`tasks\`(${TASK_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${Array(rows).fill(`(${marks(TASK_COLUMNS.length)})`).join(', ')}`;
const CLAIM_SELECT = (n: number) => `SELECT ${aliased('t', TASK_COLUMNS)} FROM \`tasks\` \`t\` FORCE INDEX (\`tasks_claim\`)
      WHERE \`t\`.\`task_queue_id\` = ? AND \`t\`.\`state\` = 'pending' AND \`t\`.\`deadline\` > ?
      ORDER BY \`t\`.\`priority_rank\` DESC, \`t\`.\`pending_since\` ASC
      LIMIT ${n} FOR UPDATE SKIP LOCKED`;
const WORKER_ACTIVE =
  "UPDATE `workers` SET `last_active` = ? WHERE `worker_pool_id` = ? AND `worker_group` = ? AND `worker_id` = ? AND `state` IN ('requested', 'running')";
const WORKER_KNOWN = 'SELECT 1 FROM workers WHERE worker_pool_id = ? AND worker_group = ? AND worker_id = ?';
const CLAIM_TASKS = (n: number) => `UPDATE \`tasks\` SET \`state\` = 'running', \`pending_since\` = NULL, \`taken_until\` = ? WHERE \`task_id\` IN (${marks(n)}) AND \`state\` = 'pending'`;
const CLAIM_RUNS = (n: number) =>
  `UPDATE \`task_runs\` SET \`state\` = 'running', \`worker_group\` = ?, \`worker_id\` = ?, \`taken_until\` = ?, \`started\` = ? WHERE \`task_id\` IN (${marks(n)}) AND \`state\` = 'pending'`;
const RUNS_OF = (n: number) => `SELECT ${aliased('r', RUN_COLUMNS)} FROM \`task_runs\` \`r\` WHERE \`r\`.\`task_id\` IN (${marks(n)}) ORDER BY \`r\`.\`task_id\`, \`r\`.\`run_id\``;
const LOCK_TASKS_WITH_RUNS = (n: number) =>
  `SELECT ${aliased('t', TASK_COLUMNS)}, ${aliased('r', RUN_COLUMNS)} FROM \`tasks\` \`t\` LEFT JOIN \`task_runs\` \`r\` ON \`r\`.\`task_id\` = \`t\`.\`task_id\` ` +
  `WHERE \`t\`.\`task_id\` IN (${marks(n)}) ORDER BY \`t\`.\`task_id\`, \`r\`.\`run_id\` FOR UPDATE`;
const RESOLVE_RUNS = (n: number) =>
  `UPDATE \`task_runs\` SET \`state\` = ?, \`reason_resolved\` = ?, \`resolved\` = ?, \`taken_until\` = NULL WHERE \`task_id\` IN (${marks(n)}) AND \`state\` IN (?, ?)`;
const RESOLVE_TASKS = (n: number) =>
  `UPDATE \`tasks\` SET \`state\` = ?, \`pending_since\` = NULL, \`taken_until\` = NULL, \`first_resolved\` = COALESCE(\`first_resolved\`, ?) WHERE \`task_id\` IN (${marks(n)})`;
const DEPENDENTS = (n: number) => `SELECT \`required_task_id\`, \`dependent_task_id\`, \`requires\` FROM \`task_dependencies\` WHERE \`required_task_id\` IN (${marks(n)}) AND \`satisfied\` = 0`;
const GROUP_OPEN_EXISTS = "SELECT 1 FROM `tasks` WHERE `task_group_id` = ? AND `state` IN ('unscheduled', 'pending', 'running') LIMIT 1";

const CLAIM_TIMEOUT_MS = 1200 * 1000;
const RECHECK_MS = 5000;

function marks(n: number): string {
  return Array(n).fill('?').join(', ');
}

/** Deadlock victims run again, as the gateway's clients resend the request; counted here. */
let deadlockRetries = 0;
/**
 * As many attempts as a gateway request gets: its transaction tries DEADLOCK_RETRIES times, and
 * the bench's client resends a failed request up to 3 times (queue-clients.ts).
 */
const ATTEMPTS = DEADLOCK_RETRIES * 4;

async function inTransaction<T>(pool: mysql.Pool, work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactionOnce(pool, work);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= ATTEMPTS) throw error;
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

// createTaskGraph inserts tasks with no unmet dependency already pending (run_count 1), and their
// first runs in one multi-row INSERT (create-task.ts insertTasks).
const INSERT_RUNS = (rows: number) => `INSERT INTO \`task_runs\`(${RUN_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${Array(rows).fill(`(${marks(RUN_COLUMNS.length)})`).join(', ')}`;

/** The baseline's driver: one task queue, woken like claimWork's long poll by an in-process event. */
export function sqlDriver(pool: mysql.Pool, taskQueueId: string): LifecycleDriver {
  const pending = new EventEmitter().setMaxListeners(0);
  const reports = reportBatcher(pool);
  return {
    async createBatch(batch: Batch) {
      const now = new Date();
      const deadline = new Date(now.getTime() + 3600_000);
      const expires = new Date(deadline.getTime() + 365 * 24 * 3600_000);
      const metadata = JSON.stringify({ name: 'trivial', description: '', owner: 'bench@example.com', source: 'https://example.com/bench' });
      await inTransaction(pool, async (conn) => {
        await conn.query(`${SELECT_TASKS} WHERE ((\`Task\`.\`task_id\` IN (${marks(batch.taskIds.length)})))`, batch.taskIds);
        const [groups] = await conn.query<mysql.RowDataPacket[]>(SELECT_GROUPS(1), [batch.taskGroupId]);
        if (!groups.length) {
          const [inserted] = await conn.query<mysql.ResultSetHeader>(INSERT_GROUP, [batch.taskGroupId, '-', 'none', expires]);
          if (!inserted.affectedRows) await conn.query(LOCK_GROUP, [batch.taskGroupId]);
        }
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

    reportCompleted: async (runs: RunRef[]) => void (await Promise.all(runs.map((run) => reports.submit(run)))),
  };
}

/**
 * Completed reports committed in groups, as the gateway's report-batch.ts does: those that come
 * while others commit go together, two groups at a time, at most 64 in one.
 */
function reportBatcher(pool: mysql.Pool): GroupCommit<RunRef, void> {
  return new GroupCommit<RunRef, void>(
    async (runs) => {
      const now = new Date();
      const ids = runs.map((run) => run.taskId);
      await inTransaction(pool, async (conn) => {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(LOCK_TASKS_WITH_RUNS(ids.length), ids);
        for (const run of runs) {
          const current = rows.find((row) => row.t_task_id === run.taskId && row.r_run_id === run.runId);
          if (current?.r_state !== 'running') throw new Error(`run ${run.runId} of ${run.taskId} is not running`);
        }
        const [resolved] = await conn.query<mysql.ResultSetHeader>(RESOLVE_RUNS(ids.length), ['completed', 'completed', now, ...ids, 'pending', 'running']);
        if (resolved.affectedRows !== ids.length) throw new Error(`resolved ${resolved.affectedRows} of ${ids.length} runs`);
        await conn.query(RESOLVE_TASKS(ids.length), ['completed', now, ...ids]);
        const first = runs.filter((run) => rows.some((row) => row.t_task_id === run.taskId && row.t_first_resolved === null)).map((run) => run.taskId);
        if (first.length) await conn.query(DEPENDENTS(first.length), first);
        const groups = new Set(rows.map((row) => row.t_task_group_id as string));
        for (const group of groups) await conn.query(GROUP_OPEN_EXISTS, [group]);
      });
      return runs.map(() => ({ value: undefined }));
    },
    { maxBatch: 64, concurrency: 2, key: (run) => run.taskId },
  );
}

async function claimOnce(pool: mysql.Pool, taskQueueId: string, workerId: string, count: number): Promise<RunRef[]> {
  const now = new Date();
  const takenUntil = new Date(now.getTime() + CLAIM_TIMEOUT_MS);
  return inTransaction(pool, async (conn) => {
    const [tasks] = await conn.query<mysql.RowDataPacket[]>(CLAIM_SELECT(count), [taskQueueId, now]);
    const ids = tasks.map((t) => t.t_task_id as string);
    if (!ids.length) return [];
    const [active] = await conn.query<mysql.ResultSetHeader>(WORKER_ACTIVE, [now, taskQueueId, 'bench', workerId]);
    if (!active.affectedRows) await conn.query(WORKER_KNOWN, [taskQueueId, 'bench', workerId]);
    await conn.query(CLAIM_TASKS(ids.length), [takenUntil, ...ids]);
    await conn.query(CLAIM_RUNS(ids.length), ['bench', workerId, takenUntil, now, ...ids]);
    await conn.query(RUNS_OF(ids.length), ids);
    return tasks.map((task) => ({ taskId: task.t_task_id, runId: task.t_run_count - 1 }));
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
