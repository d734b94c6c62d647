// createTaskGraph: many tasks in one transaction, all or none, resolving in dependency order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import {
  claim,
  claimAndComplete,
  CREATE_GRAPH,
  createTask,
  makeTask,
  newTaskId,
  queueRowCounts,
  report,
  status,
  taskAction,
  uniqueQueue,
} from '../support/tasks';

const GROUP_COUNTS = `query ($g: ID!) { taskGroup(taskGroupId: $g) { counts { unscheduled pending running completed failed exception total } } }`;
const QUEUE_COUNTS = `query ($q: String!) { taskQueue(taskQueueId: $q) { pendingCount claimedCount } }`;

/**
 * 1,000 tasks: a root fanning out to 100 chains of 10 (each chain head depends on the root, each
 * other link on the one before), and every 50th task also waiting on a task of another chain.
 * Dependencies point only backwards, so the graph has no cycle.
 */
function bigGraph(size: number): { ids: string[]; deps: string[][] } {
  const ids = Array.from({ length: size }, () => newTaskId());
  const deps = ids.map((_, i) => {
    if (i === 0) return [];
    const own = i % 10 === 1 ? [ids[0]] : [ids[i - 1]];
    if (i % 50 === 0) own.push(ids[i - 25]);
    return own;
  });
  return { ids, deps };
}

describe.each(databaseKinds)('createTaskGraph on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a 1,000-task graph at once and resolves it in dependency order as tasks are claimed and completed', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const { ids, deps } = bigGraph(1000);
    const tasks = ids.map((taskId, i) => ({ taskId, task: makeTask({ taskQueueId: queue, taskGroupId, dependencies: deps[i], metadata: { name: `t${i}`, owner: 'tests@example.com' } }) }));
    const created = (await t.ok(CREATE_GRAPH, { tasks }, t.root)).createTaskGraph;
    expect(created.map((s: any) => s.taskId)).toEqual(ids);
    expect((await t.ok(GROUP_COUNTS, { g: taskGroupId })).taskGroup.counts).toMatchObject({ pending: 1, unscheduled: 999, total: 1000 });

    const depsOf = new Map(ids.map((id, i) => [id, deps[i]]));
    const completed = new Set<string>();
    while (completed.size < ids.length) {
      // Completing a task schedules its dependents in the same transaction: never a stall.
      expect((await t.ok(QUEUE_COUNTS, { q: queue })).taskQueue.pendingCount).toBeGreaterThan(0);
      const claims = await claim(t, queue, { tasks: 32 });
      for (const c of claims) {
        const waiting = depsOf.get(c.task.taskId)!.filter((dep) => !completed.has(dep));
        expect(waiting, `claimed ${c.task.taskId} before its dependencies`).toEqual([]);
      }
      const reports = await Promise.all(claims.map((c) => report(t, 'reportCompleted', c.task.taskId, c.runId, c.auth)));
      for (const r of reports) expect(r.errors).toBeUndefined();
      for (const c of claims) completed.add(c.task.taskId);
    }
    expect((await t.ok(GROUP_COUNTS, { g: taskGroupId })).taskGroup.counts).toMatchObject({ completed: 1000, total: 1000 });
  }, 180_000);

  it('creates nothing when one task of the graph is invalid', async () => {
    const queue = uniqueQueue();
    const [a, b] = [newTaskId(), newTaskId()];
    const before = await queueRowCounts(t);
    const invalid = await t.gql(CREATE_GRAPH, { tasks: [{ taskId: a, task: makeTask({ taskQueueId: queue }) }, { taskId: b, task: makeTask({ taskQueueId: queue, retries: 50 }) }] }, t.root);
    expect(errorCode(invalid)).toBe('BAD_USER_INPUT');
    expect(invalid.errors![0].message).toContain(b);
    // This one fails inside the transaction, after the group's row was written.
    const missing = newTaskId();
    const unknownDep = await t.gql(
      CREATE_GRAPH,
      { tasks: [{ taskId: a, task: makeTask({ taskQueueId: queue, taskGroupId: a }) }, { taskId: b, task: makeTask({ taskQueueId: queue, taskGroupId: a, dependencies: [a, missing] }) }] },
      t.root,
    );
    expect(errorCode(unknownDep)).toBe('BAD_USER_INPUT');
    expect(unknownDep.errors![0].message).toContain(missing);
    expect(await queueRowCounts(t)).toEqual(before);
    expect((await t.ok(`query ($ids: [ID!]!) { tasks(taskIds: $ids) { taskId } }`, { ids: [a, b] })).tasks).toEqual([null, null]);
  });

  it('refuses a graph in which a taskId appears twice', async () => {
    const taskId = newTaskId();
    const result = await t.gql(CREATE_GRAPH, { tasks: [{ taskId, task: makeTask() }, { taskId, task: makeTask() }] }, t.root);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('twice');
  });

  it('lets graph tasks depend on existing tasks, resolved or not', async () => {
    const queue = uniqueQueue();
    const done = await createTask(t, { taskQueueId: queue });
    await claimAndComplete(t, queue);
    const open = await createTask(t, { taskQueueId: queue });
    const [c, d] = [newTaskId(), newTaskId()];
    const created = (
      await t.ok(CREATE_GRAPH, { tasks: [{ taskId: c, task: makeTask({ taskQueueId: queue, dependencies: [done.taskId] }) }, { taskId: d, task: makeTask({ taskQueueId: queue, dependencies: [open.taskId, c] }) }] }, t.root)
    ).createTaskGraph;
    expect(created.map((s: any) => s.state)).toEqual(['pending', 'unscheduled']);
    // open and c are pending; completing both releases d.
    for (let i = 0; i < 2; i++) await claimAndComplete(t, queue);
    expect((await status(t, d)).state).toBe('pending');
  });

  it('schedules new tasks of a graph submitted again that depend on its tasks already completed', async () => {
    const queue = uniqueQueue();
    const [a, b] = [newTaskId(), newTaskId()];
    const first = { taskId: a, task: makeTask({ taskQueueId: queue, taskGroupId: a }) };
    await t.ok(CREATE_GRAPH, { tasks: [first] }, t.root);
    await claimAndComplete(t, queue);
    const again = (await t.ok(CREATE_GRAPH, { tasks: [first, { taskId: b, task: makeTask({ taskQueueId: queue, taskGroupId: a, dependencies: [a] }) }] }, t.root)).createTaskGraph;
    expect(again.map((s: any) => [s.taskId, s.state])).toEqual([
      [a, 'completed'],
      [b, 'pending'],
    ]);
  });

  it('leaves a task that depends on itself unscheduled until scheduleTask', async () => {
    const queue = uniqueQueue();
    const taskId = newTaskId();
    const [created] = (await t.ok(CREATE_GRAPH, { tasks: [{ taskId, task: makeTask({ taskQueueId: queue, dependencies: [taskId] }) }] }, t.root)).createTaskGraph;
    expect(created.state).toBe('unscheduled');
    const scheduled = await taskAction(t, 'scheduleTask', taskId);
    expect(scheduled.data!.scheduleTask.state).toBe('pending');
    expect(scheduled.data!.scheduleTask.runs).toEqual([expect.objectContaining({ runId: 0, state: 'pending', reasonCreated: 'scheduled' })]);
    const [c] = await claim(t, queue);
    expect(c.task.taskId).toBe(taskId);
    const finished = await report(t, 'reportCompleted', taskId, c.runId, c.auth);
    expect(finished.data!.reportCompleted.state).toBe('completed');
  });

  it('answers scheduleTask on a task already pending with its status unchanged', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    const again = await taskAction(t, 'scheduleTask', task.taskId);
    expect(again.data!.scheduleTask.runs).toHaveLength(1);
  });
});
