// A worker interrupted: killed outright (the claim expires and another worker runs the retry),
// stopped with SIGTERM (worker-shutdown, retried), and a task canceled under it (the process
// group is killed when the worker learns of it at reclaim). Claims last 6 s here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expireClaims } from '../../entities/queue/commands/upkeep';
import { expectNoOpenSockets } from '../gateway/leaks';
import { TcpProxy } from '../gateway/tcp-proxy';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sleep, status, taskAction, uniqueQueue } from '../support/tasks';
import {
  createWorkTask,
  groupAlive,
  processAlive,
  isState,
  killWorkers,
  makeWorkerClient,
  readLog,
  recordGroup,
  spawnWorker,
  taskLines,
  tempArtifactsUrl,
  waitForTask,
  type WorkerProcess,
} from './worker-process';

/** Prints its process group, then (on run 0 only) sleeps, then says done. */
const SLEEPS_ON_FIRST_RUN = ['sh', '-c', 'echo "pgid $$"; if [ "$RUN_ID" = 0 ]; then sleep 120; fi; echo "done on run $RUN_ID"'];

describe.each(databaseKinds)('an interrupted worker on %s', (kind) => {
  let t: TestGateway;
  const artifacts = tempArtifactsUrl();

  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url, CLAIM_TIMEOUT_SECONDS: '6' } });
  });
  afterEach(async () => {
    await killWorkers();
  });
  afterAll(async () => {
    await killWorkers();
    await t?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  /** Waits until the running task has printed its process group; answers it. */
  async function runningGroup(taskId: string, worker: WorkerProcess, pattern = /^pgid (\d+)$/m): Promise<number> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const log = await readLog(t, taskId).catch(() => '');
      const match = pattern.exec(log);
      if (match) {
        recordGroup(Number(match[1]));
        return Number(match[1]);
      }
      await sleep(100);
    }
    throw new Error(`task ${taskId} never printed its group; worker output:\n${worker.output().slice(-4000)}`);
  }

  async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await sleep(100);
    }
  }

  it('keeps its claim alive by reclaiming while a task runs longer than the claim lasts', async () => {
    const pool = uniqueQueue();
    const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
    const task = await createWorkTask(t, pool, { command: ['sh', '-c', 'sleep 9; echo still mine'] });
    // Expire lapsed claims all along, as cron would: a claim not renewed would be lost.
    let done: any;
    while (!done) {
      await expireClaims(t.core);
      const current = await status(t, task.taskId);
      if (['completed', 'failed', 'exception'].includes(current.state)) done = current;
      else await sleep(500);
    }
    expect(done.state).toBe('completed');
    expect(done.runs).toHaveLength(1);
    expect(taskLines(await readLog(t, task.taskId))).toEqual(['still mine']);
    expect(worker.output()).toContain('reclaimed');
  });

  it('retries a task whose worker was killed mid-task (claim-expired) on another worker', async () => {
    const pool = uniqueQueue();
    const client = await makeWorkerClient(t, pool);
    const first = spawnWorker(t, { pool, client });
    const task = await createWorkTask(t, pool, { command: SLEEPS_ON_FIRST_RUN });
    const pgid = await runningGroup(task.taskId, first);
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // The machine is gone: so is everything it ran.
    process.kill(-pgid, 'SIGKILL');

    await until(
      async () => {
        await expireClaims(t.core);
        return (await status(t, task.taskId)).runs.length === 2;
      },
      30_000,
      'the claim expired',
    );
    const expired = await status(t, task.taskId);
    expect(expired.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'claim-expired', workerId: first.workerId });
    expect(expired.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'retry' });

    const second = spawnWorker(t, { pool, client });
    const done = await waitForTask(t, task.taskId, isState('completed'));
    expect(done.runs[1]).toMatchObject({ state: 'completed', workerId: second.workerId });
    expect(taskLines(await readLog(t, task.taskId, 1))).toEqual([expect.stringMatching(/^pgid \d+$/), 'done on run 1']);
  });

  it('stops a task whose claim it cannot renew while the gateway is away, so its retry never overlaps', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: t.gateway.port });
    try {
      const pool = uniqueQueue();
      const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool), url: `http://127.0.0.1:${proxy.port}/graphql` });
      const task = await createWorkTask(t, pool, { command: SLEEPS_ON_FIRST_RUN });
      const pgid = await runningGroup(task.taskId, worker);
      await proxy.cut();
      // The claim lasts 6 s: the worker gives up on it just before, and kills the task.
      await until(() => !groupAlive(pgid), 20_000, 'the worker stopped the task');
      await until(
        async () => {
          await expireClaims(t.core);
          return (await status(t, task.taskId)).runs.length === 2;
        },
        20_000,
        'the claim expired',
      );
      await proxy.restore();
      const done = await waitForTask(t, task.taskId, isState('completed'));
      expect(done.runs.map((r: any) => [r.state, r.reasonResolved])).toEqual([
        ['exception', 'claim-expired'],
        ['completed', 'completed'],
      ]);
      expect(worker.output()).toContain('could not reclaim before the claim lapses');
    } finally {
      await proxy.close();
    }
  });

  it('on SIGTERM resolves the running task worker-shutdown, which is retried, and exits 0', async () => {
    const pool = uniqueQueue();
    const client = await makeWorkerClient(t, pool);
    const worker = spawnWorker(t, { pool, client });
    const task = await createWorkTask(t, pool, { command: SLEEPS_ON_FIRST_RUN });
    const pgid = await runningGroup(task.taskId, worker);
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    // Killed processes linger as zombies until init reaps them: wait for that.
    await until(() => !groupAlive(pgid), 10_000, 'the process group is gone');

    const stopped = await status(t, task.taskId);
    expect(stopped.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
    expect(stopped.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'retry' });
    expect(await readLog(t, task.taskId, 0)).toContain('the worker is shutting down');

    const next = spawnWorker(t, { pool, client });
    const done = await waitForTask(t, task.taskId, isState('completed'));
    expect(done.runs[1]).toMatchObject({ state: 'completed', workerId: next.workerId });
  });

  it('exits 0 at once on SIGTERM when idle', async () => {
    const pool = uniqueQueue();
    const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
    await until(() => worker.output().includes('worker started'), 30_000, 'the worker started');
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it('stops a canceled task’s whole process group once it learns of the cancel, and reports nothing', async () => {
    const pool = uniqueQueue();
    const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
    const task = await createWorkTask(t, pool, { command: ['sh', '-c', 'sleep 120 & echo "child $!"; echo "pgid $$"; wait'] });
    const pgid = await runningGroup(task.taskId, worker);
    const child = Number(/^child (\d+)$/m.exec(await readLog(t, task.taskId))![1]);
    const canceled = await taskAction(t, 'cancelTask', task.taskId);
    expect(canceled.errors).toBeUndefined();
    await until(() => !groupAlive(pgid), 20_000, 'the process group is gone');
    expect(processAlive(child)).toBe(false);
    const after = await status(t, task.taskId);
    expect(after.runs).toHaveLength(1);
    expect(after.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });

    // The worker goes on with other work.
    const next = await createWorkTask(t, pool, { command: ['true'] });
    await waitForTask(t, next.taskId, isState('completed'));
    expect(worker.output()).toContain('the run is no longer running');
  });
});
