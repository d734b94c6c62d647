// What a chaos run that left tasks open reports for its post-mortem: provisioning as the database
// holds it, row locks on the open tasks, and what each worker process still alive holds.
import fs from 'node:fs';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { parentPid, signal } from '../../cron/provisioning/providers/local-processes';
import type { ProviderData } from '../../entities/provisioning/Worker';
import { workerPids } from './cluster';

/** The pool's lease and workers as the database holds them, and which worker processes run. */
export async function provisioningSnapshot(db: mysql.Connection, workerPoolId: string): Promise<string> {
  const [pools] = await db.query('SELECT lease_owner, lease_until FROM worker_pools WHERE worker_pool_id = ?', [workerPoolId]);
  const [workers] = await db.query('SELECT worker_id, state, last_active, stop_reason, provider_data FROM workers WHERE worker_pool_id = ?', [workerPoolId]);
  const running = new Set(workerPids(workerPoolId));
  const described = (workers as { worker_id: string; state: string; last_active: Date | null; stop_reason: string | null; provider_data: unknown }[]).map((w) => {
    const data = (typeof w.provider_data === 'string' ? JSON.parse(w.provider_data) : w.provider_data) as ProviderData | null;
    const alive = data?.pid !== undefined && running.has(data.pid);
    const where = alive ? `running (parent ${parentPid(data!.pid!) ?? '?'})` : 'not running';
    return `${w.worker_id} ${w.state}${w.stop_reason ? ` (${w.stop_reason})` : ''}, last active ${w.last_active?.toISOString() ?? 'never'}, started by ${data?.owner ?? '?'}, pid ${data?.pid ?? '?'} ${where}`;
  });
  return `provisioning at the end: lease ${JSON.stringify(pools)}; workers: ${described.join('; ') || 'none'}`;
}

/** Whether the tasks left pending are locked by a transaction (a claim's SKIP LOCKED passes them by), and the open transactions. */
export async function lockSnapshot(db: mysql.Connection, pending: string[]): Promise<string> {
  if (!pending.length) return 'locks: no task left pending';
  await db.beginTransaction();
  let free: unknown[];
  try {
    [free] = (await db.query(`SELECT task_id FROM tasks WHERE task_id IN (?) FOR UPDATE SKIP LOCKED`, [pending])) as [unknown[], unknown];
  } finally {
    await db.rollback();
  }
  const [transactions] = await db.query('SELECT trx_state, trx_started, trx_mysql_thread_id, trx_query, trx_rows_locked FROM information_schema.innodb_trx');
  return `locks: ${pending.length - free.length} of ${pending.length} pending tasks locked; open transactions ${JSON.stringify(transactions)}`;
}

/** Asks each worker process still alive for a diagnostic report; answers what each holds open (the reports stay in the run folder). */
export async function workerReports(workerPoolId: string, reportDir: string): Promise<string> {
  const pids = workerPids(workerPoolId);
  for (const pid of pids) signal(pid, 'SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const summaries = fs.readdirSync(reportDir).map((file) => {
    try {
      const report = JSON.parse(fs.readFileSync(path.join(reportDir, file), 'utf8')) as { header: { processId: number }; libuv: { type: string; is_active: boolean; remoteEndpoint?: { port: number } }[] };
      // Connections by the port they reach (the balancer, the task proxy), child processes, timers.
      const counts = new Map<string, number>();
      for (const handle of report.libuv) {
        if (!handle.is_active || !['tcp', 'process', 'timer'].includes(handle.type)) continue;
        const key = handle.remoteEndpoint ? `${handle.type} to :${handle.remoteEndpoint.port}` : handle.type;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return `pid ${report.header.processId}: ${[...counts].map(([key, n]) => `${key} ×${n}`).join(', ') || 'nothing active'}`;
    } catch (error) {
      return `${file}: ${(error as Error).message}`;
    }
  });
  return `worker reports (${pids.length} alive): ${summaries.join('; ') || 'none'}`;
}
