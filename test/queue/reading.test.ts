// Reading the queue: tasks by id, a group's counts and tasks, dependents, a queue's counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claim, claimAndComplete, CREATE_GRAPH, createTask, makeTask, newTaskId, report, taskAction, uniqueQueue } from '../support/tasks';

const TASKS = 'query ($ids: [ID!]!) { tasks(taskIds: $ids) { taskId metadata { name } status { state } } }';
const GROUP = `query ($g: ID!, $state: String, $name: String, $first: Int, $after: String) {
  taskGroup(taskGroupId: $g) {
    taskGroupId schedulerId sealed
    counts { unscheduled pending running completed failed exception total }
    tasks(state: $state, name: $name, first: $first, after: $after) {
      nodes { taskId name state } totalCount pageInfo { hasNextPage endCursor } } } }`;
const DEPENDENTS = 'query ($id: ID!, $first: Int, $after: String) { dependents(taskId: $id, first: $first, after: $after) { nodes { taskId state } totalCount pageInfo { hasNextPage endCursor } } }';
const QUEUE = 'query ($q: String!) { taskQueue(taskQueueId: $q) { taskQueueId pendingCount claimedCount } }';

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe.each(databaseKinds)('reading the queue on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers task with the definition and status, anonymously, and null for an unknown taskId', async () => {
    const created = await createTask(t, { taskQueueId: uniqueQueue(), metadata: { name: 'readable', owner: 'o@example.com' }, payload: { n: 1 } });
    const data = await t.ok('query ($id: ID!, $none: ID!) { task(taskId: $id) { taskId payload metadata { name } status { state } } none: task(taskId: $none) { taskId } }', {
      id: created.taskId,
      none: newTaskId(),
    });
    expect(data).toEqual({ task: { taskId: created.taskId, payload: { n: 1 }, metadata: { name: 'readable' }, status: { state: 'pending' } }, none: null });
  });

  it('answers tasks in the order asked, with null where there is none', async () => {
    const queue = uniqueQueue();
    const a = await createTask(t, { taskQueueId: queue, metadata: { name: 'a', owner: 'o@example.com' } });
    const b = await createTask(t, { taskQueueId: queue, metadata: { name: 'b', owner: 'o@example.com' } });
    const missing = newTaskId();
    const { tasks } = await t.ok(TASKS, { ids: [b.taskId, missing, a.taskId, b.taskId] });
    expect(tasks.map((x: any) => x?.metadata.name ?? null)).toEqual(['b', null, 'a', 'b']);
    expect(tasks[0].taskId).toBe(b.taskId);
  });

  it('counts a group’s tasks by state and lists them filtered by state and name, page by page', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const blocker = await createTask(t, { taskQueueId: uniqueQueue() });
    const names = ['build linux', 'build mac', 'test linux', 'test mac', 'lint'];
    const ids = names.map(() => newTaskId());
    await t.ok(
      CREATE_GRAPH,
      {
        tasks: names.map((name, i) => ({
          taskId: ids[i],
          task: makeTask({ taskQueueId: queue, taskGroupId, priority: i === 0 ? 'high' : 'lowest', metadata: { name, owner: 'o@example.com' }, dependencies: name === 'lint' ? [blocker.taskId] : [] }),
        })),
      },
      t.root,
    );
    // build linux completes, then one of the others is claimed and fails.
    await claimAndComplete(t, queue);
    const [c] = await claim(t, queue);
    await report(t, 'reportFailed', c.task.taskId, c.runId, c.auth);
    const [r] = await claim(t, queue);
    expect(r).toBeDefined();

    const group = (await t.ok(GROUP, { g: taskGroupId })).taskGroup;
    expect(group.counts).toEqual({ unscheduled: 1, pending: 1, running: 1, completed: 1, failed: 1, exception: 0, total: 5 });
    expect(group.tasks.totalCount).toBe(5);
    expect(group.tasks.nodes.map((n: any) => n.taskId)).toEqual([...ids].sort(byteOrder));

    const unscheduled = (await t.ok(GROUP, { g: taskGroupId, state: 'unscheduled' })).taskGroup.tasks;
    expect(unscheduled.nodes).toEqual([{ taskId: ids[4], name: 'lint', state: 'unscheduled' }]);
    const linux = (await t.ok(GROUP, { g: taskGroupId, name: 'linux' })).taskGroup.tasks;
    expect(linux.nodes.map((n: any) => n.name).sort()).toEqual(['build linux', 'test linux']);
    const completedLinux = (await t.ok(GROUP, { g: taskGroupId, name: 'linux', state: 'completed' })).taskGroup.tasks;
    expect(completedLinux.nodes.map((n: any) => n.name)).toEqual(['build linux']);

    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await t.ok(GROUP, { g: taskGroupId, first: 2, after })).taskGroup.tasks;
      expect(page.nodes.length).toBeLessThanOrEqual(2);
      pages.push(...page.nodes.map((n: any) => n.taskId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toEqual([...ids].sort(byteOrder));
  });

  it('matches a name with LIKE wildcards literally', async () => {
    const taskGroupId = newTaskId();
    await createTask(t, { taskQueueId: uniqueQueue(), taskGroupId, metadata: { name: 'coverage 100%', owner: 'o@example.com' } });
    await createTask(t, { taskQueueId: uniqueQueue(), taskGroupId, metadata: { name: 'coverage 1000', owner: 'o@example.com' } });
    const found = (await t.ok(GROUP, { g: taskGroupId, name: '0%' })).taskGroup.tasks;
    expect(found.nodes.map((n: any) => n.name)).toEqual(['coverage 100%']);
  });

  it('refuses an unknown state filter with BAD_USER_INPUT', async () => {
    const task = await createTask(t, { taskQueueId: uniqueQueue() });
    const result = await t.gql(GROUP, { g: task.taskGroupId, state: 'done' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('state');
  });

  it('answers null for a group that does not exist', async () => {
    expect((await t.ok(GROUP, { g: newTaskId() })).taskGroup).toBeNull();
  });

  it('lists the tasks that depend on a task, page by page', async () => {
    const queue = uniqueQueue();
    const required = await createTask(t, { taskQueueId: queue });
    const dependents: string[] = [];
    for (let i = 0; i < 3; i++) dependents.push((await createTask(t, { taskQueueId: uniqueQueue(), dependencies: [required.taskId] })).taskId);
    await createTask(t, { taskQueueId: uniqueQueue() });
    const first = (await t.ok(DEPENDENTS, { id: required.taskId, first: 2 })).dependents;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await t.ok(DEPENDENTS, { id: required.taskId, first: 2, after: first.pageInfo.endCursor })).dependents;
    expect([...first.nodes, ...second.nodes].map((n: any) => n.taskId)).toEqual([...dependents].sort(byteOrder));
    expect(second.nodes.every((n: any) => n.state === 'unscheduled')).toBe(true);
    expect((await t.ok(DEPENDENTS, { id: dependents[0] })).dependents.nodes).toEqual([]);
  });

  it('counts a queue’s pending and claimed tasks', async () => {
    const queue = uniqueQueue();
    expect((await t.ok(QUEUE, { q: queue })).taskQueue).toEqual({ taskQueueId: queue, pendingCount: 0, claimedCount: 0 });
    for (let i = 0; i < 4; i++) await createTask(t, { taskQueueId: queue });
    const blocker = await createTask(t, { taskQueueId: uniqueQueue() });
    await createTask(t, { taskQueueId: queue, dependencies: [blocker.taskId] });
    await claim(t, queue, { tasks: 2 });
    const canceled = await createTask(t, { taskQueueId: queue });
    await taskAction(t, 'cancelTask', canceled.taskId);
    expect((await t.ok(QUEUE, { q: queue })).taskQueue).toEqual({ taskQueueId: queue, pendingCount: 2, claimedCount: 2 });
  });

  it('refuses a malformed taskQueueId with BAD_USER_INPUT', async () => {
    const result = await t.gql(QUEUE, { q: 'no slash' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('taskQueueId');
  });
});
