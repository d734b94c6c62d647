// Workers that die, and a cron process that dies, with real processes. Claims last an hour here,
// so nothing but the death being noticed can resolve a run: a worker killed mid-task has its run
// resolved exception/worker-shutdown by its provider and retried on another worker at once, with
// the task's processes and folder gone; a cron process killed outright takes its workers with it
// (each resolves its task worker-shutdown; one waiting for work exits too), and the next cron
// process takes the pool over.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';

import { TcpProxy } from '../gateway/tcp-proxy';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sleep, status } from '../support/tasks';
import { createPool, localWorkerEnv, makePool, poolErrors, poolWorkers, runProvisioner, uniquePoolId, waitFor } from '../provisioning/support';
import { expectWorkerProcessesGone, spawnPoolCron, stopCrons } from './pools-support';
import { createWorkTask, groupAlive, killOrphans, processAlive, readLog, recordGroup, tempArtifactsUrl } from './worker-process';

/** Prints its process group, then (on run 0 only) sleeps, then says done. */
const SLEEPS_ON_FIRST_RUN = ['sh', '-c', 'echo "pgid $$"; if [ "$RUN_ID" = 0 ]; then sleep 300; fi; echo "done on run $RUN_ID"'];
const LONG_CLAIMS = { CLAIM_TIMEOUT_SECONDS: '3600' };

/** The pid the provider recorded for a worker of the pool. */
async function workerPid(t: TestGateway, workerId: string): Promise<number> {
  const [row]: { provider_data: string | Record<string, any> }[] = await t.core.db.query('SELECT provider_data FROM workers WHERE worker_id = ?', [workerId]);
  const data = typeof row.provider_data === 'string' ? JSON.parse(row.provider_data) : row.provider_data;
  return data.pid;
}

/** Waits until run 0 runs on a worker and has printed its process group; answers both. */
async function runningOn(t: TestGateway, taskId: string): Promise<{ workerId: string; pgid: number }> {
  const workerId = await waitFor('the task running', async () => (await status(t, taskId)).runs[0]?.workerId as string | undefined, 90_000);
  const log = await waitFor('the task printed its group', async () => /^pgid (\d+)$/m.exec(await readLog(t, taskId).catch(() => '')), 30_000, 100);
  const pgid = Number(log[1]);
  recordGroup(pgid);
  return { workerId, pgid };
}

/** Waits until the task completed (its retry ran); answers its status. */
function retryCompleted(t: TestGateway, taskId: string) {
  return waitFor(
    'the retry completed',
    async () => {
      const s = await status(t, taskId);
      return s.state === 'completed' ? s : undefined;
    },
    150_000,
    500,
  );
}

describe.each(databaseKinds)('a local worker killed mid-task on %s', (kind) => {
  let t: TestGateway;
  let runner: ReturnType<typeof runProvisioner>;
  const artifacts = tempArtifactsUrl();
  const env = localWorkerEnv();
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ...env, ...LONG_CLAIMS, ARTIFACTS_URL: artifacts.url } });
    runner = runProvisioner(t, { everyMs: 500 });
  });
  afterAll(async () => {
    await runner?.stop();
    killOrphans();
    if (t) await expectWorkerProcessesGone(t);
    await t?.close();
    artifacts.remove();
  });

  it('has its run resolved worker-shutdown by the provider and retried on another worker at once', async () => {
    const workerPoolId = uniquePoolId('death');
    await createPool(t, workerPoolId, makePool({}, { maxCapacity: 2 }));
    const task = await createWorkTask(t, workerPoolId, { command: SLEEPS_ON_FIRST_RUN, maxRunTime: 600 }, { retries: 2 });
    const { workerId, pgid } = await runningOn(t, task.taskId);

    process.kill(await workerPid(t, workerId), 'SIGKILL');
    const done = await waitFor(
      'the retry completed',
      async () => {
        const s = await status(t, task.taskId);
        return s.state === 'completed' ? s : undefined;
      },
      90_000,
      250,
      async () => ({ status: await status(t, task.taskId), workers: await poolWorkers(t, workerPoolId) }),
    );
    expect(done.runs).toMatchObject([
      { runId: 0, state: 'exception', reasonResolved: 'worker-shutdown', workerId },
      { runId: 1, state: 'completed', reasonCreated: 'retry' },
    ]);
    expect(done.runs[1].workerId).not.toBe(workerId);
    expect(done.retriesLeft).toBe(1);
    // What its task ran was killed before the retry started, and its folder is gone.
    expect(groupAlive(pgid)).toBe(false);
    expect(fs.existsSync(path.join(env.LOCAL_WORKERS_DIR, workerId))).toBe(false);
    const dead = (await poolWorkers(t, workerPoolId)).find((w) => w.workerId === workerId);
    expect(dead).toMatchObject({ state: 'stopped', stopReason: 'exited' });
    expect((await poolErrors(t, workerPoolId)).map((e) => e.kind)).toContain('worker-exited');
  }, 180_000);
});

describe.each(databaseKinds)('a cron process killed with SIGKILL on %s', (kind) => {
  let t: TestGateway;
  const artifacts = tempArtifactsUrl();
  const env = localWorkerEnv();
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ...env, ...LONG_CLAIMS, ARTIFACTS_URL: artifacts.url } });
  });
  afterAll(async () => {
    await stopCrons();
    killOrphans();
    if (t) await expectWorkerProcessesGone(t);
    await t?.close();
    artifacts.remove();
  });

  const cron = () =>
    spawnPoolCron(t, { ...env, ...LONG_CLAIMS });

  it('takes its workers with it; each resolves its task worker-shutdown, and the next cron runs the retry', async () => {
    const workerPoolId = uniquePoolId('crondeath');
    await createPool(t, workerPoolId, makePool({}, { maxCapacity: 1 }));
    const task = await createWorkTask(t, workerPoolId, { command: SLEEPS_ON_FIRST_RUN, maxRunTime: 600 }, { retries: 2 });
    const first = cron();
    const { workerId, pgid } = await runningOn(t, task.taskId);
    const pid = await workerPid(t, workerId);

    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    try {
      await waitFor('the orphaned worker exited', async () => !processAlive(pid), 60_000);
    } finally {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    const after = await status(t, task.taskId);
    expect(after.runs).toMatchObject([
      { runId: 0, state: 'exception', reasonResolved: 'worker-shutdown', workerId },
      { runId: 1, state: 'pending', reasonCreated: 'retry' },
    ]);
    expect(groupAlive(pgid)).toBe(false);

    // The next cron process takes the pool over once the dead one's lease lapses: it finds the
    // worker gone, stops it, and starts one that runs the retry.
    cron();
    const done = await retryCompleted(t, task.taskId);
    expect(done.runs[1].workerId).not.toBe(workerId);
    await waitFor('the dead cron process\'s worker stopped', async () => (await poolWorkers(t, workerPoolId)).find((w) => w.workerId === workerId)?.state === 'stopped', 30_000);
    expect((await poolWorkers(t, workerPoolId)).find((w) => w.workerId === workerId)).toMatchObject({ stopReason: 'exited' });
    expect(fs.existsSync(path.join(env.LOCAL_WORKERS_DIR, workerId))).toBe(false);
  }, 300_000);

  it('takes a worker that was waiting for work with it, however much the worker logs as it goes', async () => {
    // At info, the worker logs its way out after its output pipe broke with cron: its exit must
    // not wait on those lines (it once waited for ever, alive and counted as capacity).
    await stopCrons(); // the one cron process here: the worker is its child
    const workerPoolId = uniquePoolId('idledeath');
    await createPool(t, workerPoolId, makePool({}, { minCapacity: 1, maxCapacity: 1 }));
    const first = spawnPoolCron(t, { ...env, ...LONG_CLAIMS, LOG_LEVEL: 'info' });
    const { workerId } = await waitFor('the worker registered', async () => (await poolWorkers(t, workerPoolId, 'running'))[0], 90_000);
    const pid = await workerPid(t, workerId);
    await sleep(1000); // registered, it claims at once: now in its long poll

    first.process.kill('SIGKILL');
    try {
      await waitFor('the orphaned worker exited', async () => !processAlive(pid), 30_000);
    } finally {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    // The next cron process finds it gone and records it stopped.
    cron();
    await waitFor('the dead cron process\'s worker stopped', async () => (await poolWorkers(t, workerPoolId)).find((w) => w.workerId === workerId)?.state === 'stopped', 90_000);
  }, 240_000);

  it('leaves a worker that outlived it, however long its shutdown takes, to the next cron process: stopped, its run retried, its capacity replaced', async () => {
    // The first cron's worker reaches the gateway through a proxy that is cut before the cron
    // dies: shutting down, it retries its report for as long as its credentials last (an hour).
    // Counted as capacity meanwhile, it would hold the pool's only slot and the retry would wait.
    await stopCrons();
    const gateway = new URL(t.url);
    const proxy = await TcpProxy.start({ host: gateway.hostname, port: Number(gateway.port) });
    let pid: number | undefined;
    try {
      const workerPoolId = uniquePoolId('orphan');
      await createPool(t, workerPoolId, makePool({}, { maxCapacity: 1 }));
      const task = await createWorkTask(t, workerPoolId, { command: SLEEPS_ON_FIRST_RUN, maxRunTime: 600 }, { retries: 2 });
      const first = spawnPoolCron(t, { ...env, ...LONG_CLAIMS, GATEWAY_URL: Object.assign(new URL(t.url), { port: String(proxy.port) }).href });
      const { workerId, pgid } = await runningOn(t, task.taskId);
      pid = await workerPid(t, workerId);

      await proxy.cut();
      first.process.kill('SIGKILL');
      await first.exited;
      await sleep(2000);
      expect(processAlive(pid), 'the orphaned worker, still trying to report').toBe(true);

      cron();
      const done = await retryCompleted(t, task.taskId);
      expect(done.runs).toMatchObject([
        { runId: 0, state: 'exception', reasonResolved: 'worker-shutdown', workerId },
        { runId: 1, state: 'completed', reasonCreated: 'retry' },
      ]);
      expect(done.runs[1].workerId).not.toBe(workerId);
      expect(processAlive(pid)).toBe(false);
      expect(groupAlive(pgid)).toBe(false);
      expect((await poolWorkers(t, workerPoolId)).find((w) => w.workerId === workerId)).toMatchObject({ state: 'stopped', stopReason: 'orphaned' });
    } finally {
      await proxy.close();
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 300_000);
});
