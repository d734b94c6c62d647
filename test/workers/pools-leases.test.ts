// Two real cron processes on one database: only one provisions a pool at a time (the lease in
// the pool's row decides), so the pool never gets more workers than its maximum; when that cron
// process stops, its workers stop with it and the other takes the pool over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createTask, status } from '../support/tasks';
import { createPool, localWorkerEnv, makePool, poolWorkers, uniquePoolId, waitFor } from '../provisioning/support';
import { CronChild, expectWorkerProcessesGone, spawnPoolCron, stopCrons } from './pools-support';

describe.each(databaseKinds)('two cron processes on %s', (kind) => {
  let t: TestGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = localWorkerEnv();
    t = await startTestGateway(kind, { env });
  });
  afterAll(async () => {
    await stopCrons();
    if (t) await expectWorkerProcessesGone(t);
    await t?.close();
  });

  function cron(): CronChild {
    return spawnPoolCron(t, env);
  }

  /** Which cron process started each of the pool's workers (`<host>:<pid>:…`). */
  async function owners(workerPoolId: string): Promise<Map<string, string>> {
    const rows: { worker_id: string; provider_data: string | Record<string, any> }[] = await t.core.db.query(
      'SELECT worker_id, provider_data FROM workers WHERE worker_pool_id = ?',
      [workerPoolId],
    );
    return new Map(rows.map((r) => [r.worker_id, (typeof r.provider_data === 'string' ? JSON.parse(r.provider_data) : r.provider_data).owner]));
  }

  it('do not provision one pool twice, and hand it over when one stops', async () => {
    const workerPoolId = uniquePoolId('leases');
    await createPool(t, workerPoolId, makePool({}, { maxCapacity: 2, lifecycle: { queueInactivityTimeout: 30 } }));
    const crons = [cron(), cron()];
    const tasks: { taskId: string }[] = [];
    for (let i = 0; i < 6; i++) tasks.push(await createTask(t, { taskQueueId: workerPoolId, payload: { command: ['sleep', '2'], maxRunTime: 60 } }));

    let most = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        most = Math.max(most, (await poolWorkers(t, workerPoolId)).filter((w) => w.state !== 'stopped').length);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      await waitFor(
        'every task completed',
        async () => (await Promise.all(tasks.map((task) => status(t, task.taskId)))).every((s) => s.state === 'completed'),
        120_000,
      );
    } finally {
      watching = false;
      await watcher;
    }
    expect(most).toBeLessThanOrEqual(2);
    const first = new Set((await owners(workerPoolId)).values());
    expect(first.size).toBe(1);

    // Stop the cron process that holds the pool: its workers stop with it; the other takes over.
    const [holder] = [...first];
    const pid = Number(holder.split(':')[1]);
    const stopping = crons.find((c) => c.process.pid === pid)!;
    const other = crons.find((c) => c !== stopping)!;
    stopping.process.kill('SIGTERM');
    expect((await stopping.exited).code).toBe(0);
    expect((await poolWorkers(t, workerPoolId)).filter((w) => w.state !== 'stopped')).toEqual([]);

    const more = await createTask(t, { taskQueueId: workerPoolId, payload: { command: ['true'], maxRunTime: 60 } });
    await waitFor('the new task completed', async () => (await status(t, more.taskId)).state === 'completed', 90_000);
    const ranOn = (await status(t, more.taskId)).runs[0].workerId;
    expect((await owners(workerPoolId)).get(ranOn)).toMatch(new RegExp(`:${other.process.pid}:`));
  }, 240_000);
});
