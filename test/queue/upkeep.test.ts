// The upkeep jobs cron runs, called directly: lapsed claims, passed deadlines, expired tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteExpiredTasks, expireClaims, resolveDeadlines } from '../../entities/queue/commands/upkeep';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claim, createTask, newTaskId, reclaim, report, sleep, status, uniqueQueue } from '../support/tasks';

/** Waits until `time` (an ISO string or Date) has passed, plus a little. */
async function until(time: string | Date): Promise<void> {
  await sleep(Math.max(0, new Date(time).getTime() - Date.now()) + 50);
}

describe.each(databaseKinds)('lapsed claims on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { CLAIM_TIMEOUT_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('resolves a lapsed claim exception/claim-expired and adds a retry run', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue, retries: 2 });
    const [c] = await claim(t, queue);
    await until(c.status.runs[0].takenUntil);
    expect(await expireClaims(t.core)).toBeGreaterThanOrEqual(1);
    const s = await status(t, task.taskId);
    expect(s.state).toBe('pending');
    expect(s.retriesLeft).toBe(1);
    expect(s.runs).toMatchObject([
      { runId: 0, state: 'exception', reasonResolved: 'claim-expired' },
      { runId: 1, state: 'pending', reasonCreated: 'retry' },
    ]);
    // The worker that lost the claim learns it when it reports.
    expect(errorCode(await report(t, 'reportCompleted', task.taskId, c.runId, c.auth))).toBe('CONFLICT');
  });

  it('resolves a lapsed claim once when two upkeep runs race', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    const [c] = await claim(t, queue);
    await until(c.status.runs[0].takenUntil);
    const counts = await Promise.all([expireClaims(t.core), expireClaims(t.core)]);
    expect(counts[0] + counts[1]).toBe(1);
    const s = await status(t, task.taskId);
    expect(s.runs.map((r: any) => [r.state, r.reasonCreated, r.reasonResolved])).toEqual([
      ['exception', 'scheduled', 'claim-expired'],
      ['pending', 'retry', null],
    ]);
    expect(s.retriesLeft).toBe(4);
  });

  it('leaves a task exception/claim-expired when no retries are left', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue, retries: 0 });
    const [c] = await claim(t, queue);
    await until(c.status.runs[0].takenUntil);
    await expireClaims(t.core);
    const s = await status(t, task.taskId);
    expect(s.state).toBe('exception');
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0].reasonResolved).toBe('claim-expired');
  });

  it('leaves a claim that was reclaimed in time alone', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    const [c] = await claim(t, queue);
    await sleep(600);
    const reclaimed = await reclaim(t, task.taskId, c.runId, c.auth);
    const takenUntil = reclaimed.data!.reclaimTask.takenUntil;
    // Between the first claim's lapse and the reclaim's, the task is still running (checked only
    // when this machine got there in time: the test never depends on speed).
    await until(c.status.runs[0].takenUntil);
    if (Date.now() < new Date(takenUntil).getTime() - 100) {
      await expireClaims(t.core);
      expect((await status(t, task.taskId)).runs[0].state).toBe('running');
    }
    await until(takenUntil);
    await expireClaims(t.core);
    expect((await status(t, task.taskId)).runs[0].reasonResolved).toBe('claim-expired');
  });
});

describe.each(databaseKinds)('deadlines and expiry on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();

  it('resolves a task whose deadline passes during a run exception/deadline-exceeded, without a retry', async () => {
    const queue = uniqueQueue();
    const deadline = soon(1500);
    const task = await createTask(t, { taskQueueId: queue, deadline });
    const [c] = await claim(t, queue);
    await until(deadline);
    expect(await resolveDeadlines(t.core)).toBeGreaterThanOrEqual(1);
    const s = await status(t, task.taskId);
    expect(s.state).toBe('exception');
    expect(s.runs).toMatchObject([{ runId: 0, state: 'exception', reasonResolved: 'deadline-exceeded', workerId: 'worker-1' }]);
    expect(errorCode(await reclaim(t, task.taskId, c.runId, c.auth))).toBe('CONFLICT');
  });

  it('resolves an unscheduled task past its deadline exception/deadline-exceeded', async () => {
    const queue = uniqueQueue();
    const deadline = soon(1500);
    const blocker = await createTask(t, { taskQueueId: queue });
    const task = await createTask(t, { taskQueueId: queue, deadline, dependencies: [blocker.taskId] });
    expect(task.state).toBe('unscheduled');
    await until(deadline);
    await resolveDeadlines(t.core);
    const s = await status(t, task.taskId);
    expect(s.state).toBe('exception');
    expect(s.runs).toMatchObject([{ runId: 0, state: 'exception', reasonCreated: 'exception', reasonResolved: 'deadline-exceeded' }]);
    expect((await status(t, blocker.taskId)).state).toBe('pending');
  });

  it('deletes expired tasks with their runs and dependency rows, and keeps the others', async () => {
    const queue = uniqueQueue();
    const expires = soon(1500);
    const taskGroupId = newTaskId();
    const old = await createTask(t, { taskQueueId: queue, taskGroupId, deadline: expires, expires });
    const oldDependent = await createTask(t, { taskQueueId: queue, taskGroupId, deadline: expires, expires, dependencies: [old.taskId] });
    const kept = await createTask(t, { taskQueueId: queue });
    await until(expires);
    expect(await deleteExpiredTasks(t.core)).toBeGreaterThanOrEqual(2);
    const found = await t.ok('query ($ids: [ID!]!) { tasks(taskIds: $ids) { taskId } }', { ids: [old.taskId, oldDependent.taskId, kept.taskId] });
    expect(found.tasks).toEqual([null, null, { taskId: kept.taskId }]);
    for (const [table, column] of [
      ['task_runs', 'task_id'],
      ['task_dependencies', 'dependent_task_id'],
      ['task_dependencies', 'required_task_id'],
    ]) {
      const rows = await t.core.db.query(`SELECT * FROM ${table} WHERE ${column} IN (?, ?)`, [old.taskId, oldDependent.taskId]);
      expect(rows, `${table}.${column}`).toEqual([]);
    }
    expect((await t.ok('query ($g: ID!) { taskGroup(taskGroupId: $g) { taskGroupId } }', { g: taskGroupId })).taskGroup).toBeNull();
    expect((await status(t, kept.taskId)).runs).toHaveLength(1);
  });
});
