// Task groups: one schedulerId per group, sealing, and cancelling a sealed group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claim, CREATE_GRAPH, CREATE_TASK, createTask, makeTask, newTaskId, reclaim, report, status, uniqueQueue } from '../support/tasks';

const SEAL = `mutation ($g: ID!) { sealTaskGroup(taskGroupId: $g) { taskGroupId sealed } }`;
const CANCEL_GROUP = `mutation ($g: ID!) { cancelTaskGroup(taskGroupId: $g) { canceled group { taskGroupId sealed } } }`;

describe.each(databaseKinds)('task groups on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a task whose schedulerId differs from its group’s with CONFLICT', async () => {
    const taskGroupId = newTaskId();
    await createTask(t, { taskQueueId: uniqueQueue(), taskGroupId, schedulerId: 'sched-a' });
    const result = await t.gql(CREATE_TASK, { taskId: newTaskId(), task: makeTask({ taskGroupId, schedulerId: 'sched-b' }) }, t.root);
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors![0].message).toContain('sched-a');
  });

  it('creates tasks of a new group sent in parallel, and refuses a parallel one of another schedulerId with CONFLICT', async () => {
    // A decision task creates its graph's tasks at once; the first of them makes the group.
    const taskGroupId = newTaskId();
    const create = (schedulerId: string) => t.gql(CREATE_TASK, { taskId: newTaskId(), task: makeTask({ taskQueueId: uniqueQueue(), taskGroupId, schedulerId }) }, t.root);
    const schedulers = [...Array(20).fill('sched-a'), 'sched-b'];
    const results = await Promise.all(schedulers.map(create));
    // Whichever came first owns the group: every task of its schedulerId is in, every other refused.
    const group = await t.ok(`query ($g: ID!) { taskGroup(taskGroupId: $g) { schedulerId counts { total } } }`, { g: taskGroupId });
    const owner = group.taskGroup.schedulerId;
    results.forEach((r, i) => expect(schedulers[i] === owner ? r.errors : errorCode(r)).toEqual(schedulers[i] === owner ? undefined : 'CONFLICT'));
    expect(group.taskGroup.counts.total).toBe(schedulers.filter((s) => s === owner).length);
  });

  it('refuses a graph whose tasks of one group name two schedulerIds with CONFLICT', async () => {
    const taskGroupId = newTaskId();
    const tasks = ['sched-a', 'sched-b'].map((schedulerId) => ({ taskId: newTaskId(), task: makeTask({ taskGroupId, schedulerId }) }));
    const result = await t.gql(CREATE_GRAPH, { tasks }, t.root);
    expect(errorCode(result)).toBe('CONFLICT');
    expect((await t.ok(`query ($g: ID!) { taskGroup(taskGroupId: $g) { taskGroupId } }`, { g: taskGroupId })).taskGroup).toBeNull();
  });

  it('refuses new tasks in a sealed group with CONFLICT, and still answers an identical create of a task it holds', async () => {
    const taskGroupId = newTaskId();
    const taskId = newTaskId();
    const definition = makeTask({ taskQueueId: uniqueQueue(), taskGroupId });
    await t.ok(CREATE_TASK, { taskId, task: definition }, t.root);
    const sealed = (await t.ok(SEAL, { g: taskGroupId }, t.root)).sealTaskGroup;
    expect(sealed.sealed).not.toBeNull();
    const refused = await t.gql(CREATE_TASK, { taskId: newTaskId(), task: makeTask({ taskGroupId }) }, t.root);
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors![0].message).toContain('sealed');
    const again = await t.gql(CREATE_TASK, { taskId, task: definition }, t.root);
    expect(again.errors).toBeUndefined();
  });

  it('refuses to cancel a group that is not sealed with CONFLICT', async () => {
    const taskGroupId = newTaskId();
    const task = await createTask(t, { taskQueueId: uniqueQueue(), taskGroupId });
    const result = await t.gql(CANCEL_GROUP, { g: taskGroupId }, t.root);
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors![0].message).toContain('sealed');
    expect((await status(t, task.taskId)).state).toBe('pending');
  });

  it('cancels every unresolved task of a sealed group, leaving resolved ones as they are', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const done = await createTask(t, { taskQueueId: queue, taskGroupId, priority: 'highest' });
    const [d] = await claim(t, queue);
    expect(d.task.taskId).toBe(done.taskId);
    await report(t, 'reportCompleted', done.taskId, d.runId, d.auth);
    const running = await createTask(t, { taskQueueId: queue, taskGroupId, priority: 'highest' });
    const [r] = await claim(t, queue);
    expect(r.task.taskId).toBe(running.taskId);
    const pending = await createTask(t, { taskQueueId: queue, taskGroupId });
    const unscheduled = await createTask(t, { taskQueueId: queue, taskGroupId, dependencies: [pending.taskId] });

    await t.ok(SEAL, { g: taskGroupId }, t.root);
    const result = (await t.ok(CANCEL_GROUP, { g: taskGroupId }, t.root)).cancelTaskGroup;
    expect(result.canceled).toBe(3);
    for (const task of [running, pending, unscheduled]) {
      const s = await status(t, task.taskId);
      expect(s.state).toBe('exception');
      expect(s.runs.at(-1).reasonResolved).toBe('canceled');
    }
    expect((await status(t, done.taskId)).state).toBe('completed');
    // The worker of the running task learns of the cancel when it reclaims.
    expect(errorCode(await reclaim(t, running.taskId, r.runId, r.auth))).toBe('CONFLICT');
    // Cancelling again finds nothing left.
    expect((await t.ok(CANCEL_GROUP, { g: taskGroupId }, t.root)).cancelTaskGroup.canceled).toBe(0);
  });

  it('answers NOT_FOUND for sealing a group that does not exist', async () => {
    expect(errorCode(await t.gql(SEAL, { g: newTaskId() }, t.root))).toBe('NOT_FOUND');
  });
});
