// Dependencies: when a dependent becomes pending under all-completed and all-resolved, and that
// only a dependency's first resolution counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDeadlines } from '../../entities/queue/commands/upkeep';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { claim, claimAndComplete, createTask, report, sleep, status, taskAction, uniqueQueue } from '../support/tasks';

describe.each(databaseKinds)('dependencies on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Claims the queue's next task and reports it failed. */
  async function claimAndFail(queue: string) {
    const [c] = await claim(t, queue);
    const failed = await report(t, 'reportFailed', c.task.taskId, c.runId, c.auth);
    expect(failed.errors).toBeUndefined();
    return c;
  }

  it('schedules a dependent once all its dependencies completed', async () => {
    const queue = uniqueQueue();
    const a = await createTask(t, { taskQueueId: queue });
    const b = await createTask(t, { taskQueueId: queue });
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [a.taskId, b.taskId] });
    expect(dependent.state).toBe('unscheduled');
    await claimAndComplete(t, queue);
    expect((await status(t, dependent.taskId)).state).toBe('unscheduled');
    await claimAndComplete(t, queue);
    const s = await status(t, dependent.taskId);
    expect(s.state).toBe('pending');
    expect(s.runs).toMatchObject([{ runId: 0, reasonCreated: 'scheduled' }]);
  });

  it('schedules a dependent whose dependencies complete at the same moment (found by the chaos run)', async () => {
    // Each completion marks its own dependency row and then looks for unmarked ones: unless the two
    // take turns on the dependent, each sees the other's row unmarked and neither schedules it.
    for (let round = 0; round < 15; round++) {
      const queue = uniqueQueue();
      const deps = [await createTask(t, { taskQueueId: queue }), await createTask(t, { taskQueueId: queue }), await createTask(t, { taskQueueId: queue })];
      const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: deps.map((d) => d.taskId) });
      const claims = await claim(t, queue, { tasks: 3 });
      expect(claims).toHaveLength(3);
      const reports = await Promise.all(claims.map((c) => report(t, 'reportCompleted', c.task.taskId, c.runId, c.auth)));
      expect(reports.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
      expect((await status(t, dependent.taskId)).state, `round ${round}`).toBe('pending');
    }
  });

  it('leaves an all-completed dependent of a failed task unscheduled until its deadline', async () => {
    const queue = uniqueQueue();
    const deadline = new Date(Date.now() + 1500).toISOString();
    const required = await createTask(t, { taskQueueId: queue });
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [required.taskId], deadline });
    await claimAndFail(queue);
    expect((await status(t, dependent.taskId)).state).toBe('unscheduled');
    await sleep(new Date(deadline).getTime() - Date.now() + 50);
    await resolveDeadlines(t.core);
    const s = await status(t, dependent.taskId);
    expect(s.state).toBe('exception');
    expect(s.runs).toMatchObject([{ reasonCreated: 'exception', reasonResolved: 'deadline-exceeded' }]);
  });

  it('schedules an all-resolved dependent when its dependency fails or is canceled', async () => {
    const queue = uniqueQueue();
    const failing = await createTask(t, { taskQueueId: queue });
    const canceled = await createTask(t, { taskQueueId: uniqueQueue() });
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [failing.taskId, canceled.taskId], requires: 'all-resolved' });
    await claimAndFail(queue);
    expect((await status(t, dependent.taskId)).state).toBe('unscheduled');
    await taskAction(t, 'cancelTask', canceled.taskId);
    expect((await status(t, dependent.taskId)).state).toBe('pending');
  });

  it('does not reschedule dependents when a completed dependency is rerun and completes again', async () => {
    const queue = uniqueQueue();
    const depQueue = uniqueQueue();
    const required = await createTask(t, { taskQueueId: queue });
    const dependent = await createTask(t, { taskQueueId: depQueue, dependencies: [required.taskId] });
    await claimAndComplete(t, queue);
    await claimAndComplete(t, depQueue);
    await taskAction(t, 'rerunTask', required.taskId);
    await claimAndComplete(t, queue);
    expect((await status(t, required.taskId)).runs).toHaveLength(2);
    const s = await status(t, dependent.taskId);
    expect(s.state).toBe('completed');
    expect(s.runs).toHaveLength(1);
  });

  it('does not schedule an all-completed dependent when a failed dependency is rerun and completes', async () => {
    const queue = uniqueQueue();
    const required = await createTask(t, { taskQueueId: queue });
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [required.taskId] });
    await claimAndFail(queue);
    await taskAction(t, 'rerunTask', required.taskId);
    await claimAndComplete(t, queue);
    expect((await status(t, required.taskId)).state).toBe('completed');
    expect((await status(t, dependent.taskId)).state).toBe('unscheduled');
  });

  it('counts a dependency’s first resolution for a task created after it was rerun', async () => {
    const queue = uniqueQueue();
    const completedFirst = await createTask(t, { taskQueueId: queue });
    await claimAndComplete(t, queue);
    await taskAction(t, 'rerunTask', completedFirst.taskId);
    expect((await status(t, completedFirst.taskId)).state).toBe('pending');
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [completedFirst.taskId] });
    expect(dependent.state).toBe('pending');

    const failedFirst = await createTask(t, { taskQueueId: queue, priority: 'highest' });
    const [f] = await claim(t, queue);
    expect(f.task.taskId).toBe(failedFirst.taskId);
    await report(t, 'reportFailed', failedFirst.taskId, f.runId, f.auth);
    await taskAction(t, 'rerunTask', failedFirst.taskId);
    const [again] = await claim(t, queue);
    expect(again.task.taskId).toBe(failedFirst.taskId);
    await report(t, 'reportCompleted', failedFirst.taskId, again.runId, again.auth);
    const late = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [failedFirst.taskId] });
    expect(late.state).toBe('unscheduled');
  });

  it('counts a dependency retried after an exception by the resolution that ended its retries', async () => {
    const queue = uniqueQueue();
    const required = await createTask(t, { taskQueueId: queue, retries: 1 });
    const [c] = await claim(t, queue);
    await t.gql(`mutation ($t: ID!, $r: Int!) { reportException(taskId: $t, runId: $r, reason: "worker-shutdown") { state } }`, { t: required.taskId, r: c.runId }, c.auth);
    await claimAndComplete(t, queue);
    const dependent = await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [required.taskId] });
    expect(dependent.state).toBe('pending');
  });
});
