// resolveRunsOfGoneWorker, called directly as the provisioner does: the runs a gone worker held
// are resolved exception/worker-shutdown and retried at once. Claims last an hour here, so
// nothing but the command can resolve them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunsOfGoneWorker } from '../../entities/queue/commands/worker-gone';
import { topics } from '../../entities/queue/events';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { claim, createTask, report, sleep, status, uniqueQueue } from '../support/tasks';

const GROUP = 'test-group';

describe.each(databaseKinds)('runs of a gone worker on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { CLAIM_TIMEOUT_SECONDS: '3600' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const gone = (queue: string, workerId: string) => resolveRunsOfGoneWorker(t.core, { workerPoolId: queue, workerGroup: GROUP, workerId });

  it('resolves every run the worker held as worker-shutdown, with a pending retry at once, and publishes it', async () => {
    const queue = uniqueQueue();
    const tasks = [await createTask(t, { taskQueueId: queue, retries: 2 }), await createTask(t, { taskQueueId: queue, retries: 2 })];
    const claims = await claim(t, queue, { workerId: 'doomed', tasks: 2 });
    expect(claims).toHaveLength(2);
    const events: any[] = [];
    const unsubscribe = await t.core.events.subscribe(topics.task(tasks[0].taskId), (event) => events.push(event));
    try {
      expect(await gone(queue, 'doomed')).toBe(2);
      for (const task of tasks) {
        const s = await status(t, task.taskId);
        expect(s.state).toBe('pending');
        expect(s.retriesLeft).toBe(1);
        expect(s.runs).toMatchObject([
          { runId: 0, state: 'exception', reasonResolved: 'worker-shutdown', workerId: 'doomed' },
          { runId: 1, state: 'pending', reasonCreated: 'retry', workerId: null },
        ]);
      }
      // Another worker gets the retry now, not after the hour-long claim.
      const [next] = await claim(t, queue, { workerId: 'healthy', tasks: 1 });
      expect(next.runId).toBe(1);
      for (let i = 0; i < 50 && events.length === 0; i++) await sleep(20);
      expect(events[0]).toMatchObject({ kind: 'task-pending', status: { taskId: tasks[0].taskId, state: 'pending' } });
    } finally {
      await unsubscribe();
    }
  });

  it('changes nothing when called again, and leaves runs the worker resolved itself or other workers hold', async () => {
    const queue = uniqueQueue();
    const done = await createTask(t, { taskQueueId: queue });
    const held = await createTask(t, { taskQueueId: queue });
    const other = await createTask(t, { taskQueueId: queue });
    const waiting = await createTask(t, { taskQueueId: queue });
    const mine = await claim(t, queue, { workerId: 'doomed', tasks: 2 });
    expect(mine.map((c) => c.task.taskId).sort()).toEqual([done.taskId, held.taskId].sort());
    const [theirs] = await claim(t, queue, { workerId: 'healthy', tasks: 1 });
    expect(theirs.task.taskId).toBe(other.taskId);
    const reported = mine.find((c) => c.task.taskId === done.taskId)!;
    expect((await report(t, 'reportCompleted', done.taskId, reported.runId, reported.auth)).errors).toBeUndefined();

    expect(await gone(queue, 'doomed')).toBe(1);
    expect(await gone(queue, 'doomed')).toBe(0);
    expect((await status(t, done.taskId)).runs).toMatchObject([{ state: 'completed', reasonResolved: 'completed' }]);
    expect((await status(t, held.taskId)).runs.map((r: any) => [r.state, r.reasonResolved])).toEqual([
      ['exception', 'worker-shutdown'],
      ['pending', null],
    ]);
    expect((await status(t, other.taskId)).runs).toMatchObject([{ state: 'running', workerId: 'healthy' }]);
    expect((await status(t, waiting.taskId)).runs).toMatchObject([{ state: 'pending' }]);
    // The same worker id in another pool is another worker.
    expect(await gone(uniqueQueue(), 'healthy')).toBe(0);
    expect((await status(t, other.taskId)).state).toBe('running');
  });

  it('resolves the task exception/worker-shutdown when no retry is left', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue, retries: 0 });
    await claim(t, queue, { workerId: 'doomed' });
    expect(await gone(queue, 'doomed')).toBe(1);
    const s = await status(t, task.taskId);
    expect(s.state).toBe('exception');
    expect(s.runs).toMatchObject([{ state: 'exception', reasonResolved: 'worker-shutdown' }]);
  });

  it('resolves a run once when the worker reports it and two callers race', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue, retries: 3 });
    const [c] = await claim(t, queue, { workerId: 'doomed' });
    const [first, second, own] = await Promise.all([gone(queue, 'doomed'), gone(queue, 'doomed'), report(t, 'reportFailed', task.taskId, c.runId, c.auth)]);
    const s = await status(t, task.taskId);
    if (own.errors) {
      // The command came first: the worker's late report is refused, and one retry was added.
      expect(own.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(first + second).toBe(1);
      expect(s.runs.map((r: any) => [r.state, r.reasonResolved])).toEqual([
        ['exception', 'worker-shutdown'],
        ['pending', null],
      ]);
    } else {
      expect(first + second).toBe(0);
      expect(s.runs.map((r: any) => [r.state, r.reasonResolved])).toEqual([['failed', 'failed']]);
    }
  });
});
