// A local worker pool end to end: cron's provisioning pass (run here, as the job runs it) starts
// real worker processes, which register, claim and run real tasks; the pool grows from 0 to its
// maximum under load and shrinks back to its minimum when idle; a deleted pool stops its workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createTask, status } from '../support/tasks';
import { createPool, DELETE_POOL, GET_POOL, localWorkerEnv, makePool, poolErrors, poolWorkers, runProvisioner, uniquePoolId, waitFor } from '../provisioning/support';
import { expectWorkerProcessesGone } from './pools-support';

describe.each(databaseKinds)('a local worker pool on %s', (kind) => {
  let t: TestGateway;
  let runner: ReturnType<typeof runProvisioner>;
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: localWorkerEnv() });
    runner = runProvisioner(t, { everyMs: 500 });
  });
  afterAll(async () => {
    await runner?.stop();
    if (t) await expectWorkerProcessesGone(t);
    await t?.close();
  });

  it('scales from 0 to maxCapacity under load and back to minCapacity when idle', async () => {
    const workerPoolId = uniquePoolId('scale');
    await createPool(t, workerPoolId, makePool({}, { minCapacity: 0, maxCapacity: 3, lifecycle: { queueInactivityTimeout: 5 } }));
    const tasks: { taskId: string }[] = [];
    for (let i = 0; i < 9; i++) tasks.push(await createTask(t, { taskQueueId: workerPoolId, payload: { command: ['sleep', '2'], maxRunTime: 60 } }));

    // Watch the pool while it works: never more than its maximum at once.
    let most = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const live = (await poolWorkers(t, workerPoolId)).filter((w) => w.state !== 'stopped');
        most = Math.max(most, live.length);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      await waitFor('three running workers', async () => (await poolWorkers(t, workerPoolId, 'running')).length === 3, 60_000);
      await waitFor(
        'every task completed',
        async () => (await Promise.all(tasks.map((task) => status(t, task.taskId)))).every((s) => s.state === 'completed'),
        90_000,
        250,
        async () => ({
          tasks: await Promise.all(tasks.map((task) => status(t, task.taskId))),
          workers: await poolWorkers(t, workerPoolId),
          errors: await poolErrors(t, workerPoolId),
        }),
      );
      await waitFor('the pool back to no workers', async () => (await poolWorkers(t, workerPoolId)).every((w) => w.state === 'stopped'), 30_000);
    } finally {
      watching = false;
      await watcher;
    }
    expect(most).toBe(3);
    const workers = await poolWorkers(t, workerPoolId);
    expect(workers.every((w) => w.stopReason === 'inactive')).toBe(true);
    // The tasks were run by the pool's workers, spread over more than one of them.
    const ranOn = new Set((await Promise.all(tasks.map((task) => status(t, task.taskId)))).map((s) => s.runs[0].workerId));
    expect([...ranOn].every((id) => workers.some((w) => w.workerId === id))).toBe(true);
    expect(ranOn.size).toBeGreaterThan(1);
    const pool = (await t.ok(GET_POOL, { id: workerPoolId }, t.root)).workerPool;
    expect(pool.stats).toMatchObject({ pendingTasks: 0, claimedTasks: 0, currentCapacity: 0 });
  }, 180_000);

  it('stops the workers of a deleted pool — the running task is resolved worker-shutdown and retried — then removes the pool', async () => {
    const workerPoolId = uniquePoolId('delete');
    await createPool(t, workerPoolId, makePool({}, { maxCapacity: 1 }));
    const task = await createTask(t, { taskQueueId: workerPoolId, payload: { command: ['sleep', '60'], maxRunTime: 120 } });
    await waitFor('the task running', async () => (await status(t, task.taskId)).state === 'running', 60_000);

    await t.ok(DELETE_POOL, { id: workerPoolId }, t.root);
    await waitFor('the pool removed', async () => (await t.ok(GET_POOL, { id: workerPoolId }, t.root)).workerPool === null, 60_000);
    const s = await status(t, task.taskId);
    expect(s.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
    expect(s.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'retry' });
  }, 120_000);
});
