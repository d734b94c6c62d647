// Launch configs chosen by cost, end to end with real worker processes: with equal health the
// cheaper config gets the work; when its launches fail, the work moves to the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createTask, status } from '../support/tasks';
import { createPool, localWorkerEnv, makePool, poolErrors, poolWorkers, runProvisioner, uniquePoolId, waitFor } from '../provisioning/support';
import { expectWorkerProcessesGone } from './pools-support';

describe.each(databaseKinds)('launch configs by cost on %s', (kind) => {
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

  async function runTasks(workerPoolId: string, count: number) {
    const tasks: { taskId: string }[] = [];
    for (let i = 0; i < count; i++) tasks.push(await createTask(t, { taskQueueId: workerPoolId, payload: { command: ['sleep', '1'], maxRunTime: 60 } }));
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
    return Promise.all(tasks.map((task) => status(t, task.taskId)));
  }

  it('gives the work to the cheaper of two healthy launch configs', async () => {
    const workerPoolId = uniquePoolId('cost');
    await createPool(
      t,
      workerPoolId,
      makePool({}, { maxCapacity: 2, launchConfigs: [{ launchConfigId: 'dear', costPerHour: 3 }, { launchConfigId: 'cheap', costPerHour: 1 }], lifecycle: { queueInactivityTimeout: 5 } }),
    );
    const statuses = await runTasks(workerPoolId, 4);
    const workers = await poolWorkers(t, workerPoolId);
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.map((w) => w.launchConfigId)).toEqual(workers.map(() => 'cheap'));
    const cheap = new Set(workers.map((w) => w.workerId));
    expect(statuses.every((s) => cheap.has(s.runs[0].workerId))).toBe(true);
  }, 120_000);

  it('moves the work to the dearer config when the cheaper one’s workers fail to start', async () => {
    const workerPoolId = uniquePoolId('failover');
    // Node cannot start with a preload module that does not exist: the worker exits before registering.
    const broken = { NODE_OPTIONS: '--require /nonexistent/taskgate-broken-preload.js' };
    await createPool(
      t,
      workerPoolId,
      makePool(
        {},
        {
          maxCapacity: 1,
          launchConfigs: [
            { launchConfigId: 'cheap', costPerHour: 1, env: broken },
            { launchConfigId: 'dear', costPerHour: 1.5 },
          ],
          lifecycle: { queueInactivityTimeout: 5 },
        },
      ),
    );
    const statuses = await runTasks(workerPoolId, 2);
    const workers = await poolWorkers(t, workerPoolId);
    const failed = workers.filter((w) => w.launchConfigId === 'cheap');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((w) => w.state === 'stopped' && w.stopReason === 'launch-failed' && w.registered === null)).toBe(true);
    const errors = await poolErrors(t, workerPoolId, 'cheap');
    expect(errors.length).toBe(failed.length);
    expect(errors[0]).toMatchObject({ kind: 'launch-failed', title: expect.stringMatching(/before it registered/) });
    expect(errors[0].description).toMatch(/taskgate-broken-preload/);
    // The tasks ran on workers of the other config.
    const dear = new Set(workers.filter((w) => w.launchConfigId === 'dear').map((w) => w.workerId));
    expect(statuses.every((s) => dear.has(s.runs[0].workerId))).toBe(true);
  }, 120_000);
});
