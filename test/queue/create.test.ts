// createTask: defaults, validation, idempotence and the scopes it needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { CREATE_TASK, createTask, makeTask, newTaskId, queueRowCounts, uniqueQueue } from '../support/tasks';

const TASK = `query ($taskId: ID!) { task(taskId: $taskId) {
  taskId taskQueueId schedulerId projectId taskGroupId dependencies requires routes priority retries
  created deadline expires scopes payload metadata { name description owner source } tags extra
  status { state retriesLeft runs { runId state reasonCreated } } } }`;

describe.each(databaseKinds)('createTask on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fills in the defaults: schedulerId -, projectId none, its own group, lowest priority, 5 retries, expires a calendar year after the deadline, all-completed', async () => {
    const taskId = newTaskId();
    const definition = makeTask({ taskQueueId: uniqueQueue() });
    await t.ok(CREATE_TASK, { taskId, task: definition }, t.root);
    const { task } = await t.ok(TASK, { taskId });
    expect(task).toMatchObject({
      schedulerId: '-',
      projectId: 'none',
      taskGroupId: taskId,
      dependencies: [],
      requires: 'all-completed',
      routes: [],
      priority: 'lowest',
      retries: 5,
      scopes: [],
      tags: {},
      extra: {},
      payload: definition.payload,
    });
    const yearAfterDeadline = new Date(definition.deadline as string);
    yearAfterDeadline.setUTCFullYear(yearAfterDeadline.getUTCFullYear() + 1);
    expect(task.expires).toBe(yearAfterDeadline.toISOString());
    expect(task.status).toEqual({ state: 'pending', retriesLeft: 5, runs: [{ runId: 0, state: 'pending', reasonCreated: 'scheduled' }] });
  });

  describe('refuses an invalid definition with BAD_USER_INPUT and a message naming the field', () => {
    const created = new Date();
    const hours = (n: number) => new Date(created.getTime() + n * 3600_000).toISOString();
    const cases: [string, () => Promise<{ taskId: string; task: Record<string, unknown> }>, string][] = [
      ['a taskId that is not a slugid', async () => ({ taskId: 'not-a-slugid', task: makeTask() }), 'taskId'],
      ['a deadline more than 5 days after created', async () => ({ taskId: newTaskId(), task: makeTask({ created: created.toISOString(), deadline: hours(5 * 24 + 1) }) }), 'deadline'],
      ['65 routes', async () => ({ taskId: newTaskId(), task: makeTask({ routes: Array.from({ length: 65 }, (_, i) => `route.${i}`) }) }), 'routes'],
      ['a dependency that does not exist', async () => ({ taskId: newTaskId(), task: makeTask({ dependencies: [newTaskId()] }) }), 'dependency'],
      [
        'a dependency that expires before the deadline',
        async () => {
          const dep = await createTask(t, { taskQueueId: uniqueQueue(), deadline: hours(1), expires: hours(2) });
          return { taskId: newTaskId(), task: makeTask({ dependencies: [dep.taskId], deadline: hours(3) }) };
        },
        'expires before',
      ],
      ['an unknown priority', async () => ({ taskId: newTaskId(), task: makeTask({ priority: 'urgent' }) }), 'priority'],
      ['50 retries', async () => ({ taskId: newTaskId(), task: makeTask({ retries: 50 }) }), 'retries'],
      ['a taskQueueId without a slash', async () => ({ taskId: newTaskId(), task: makeTask({ taskQueueId: 'no-slash' }) }), 'taskQueueId'],
    ];
    it.each(cases)('%s', async (_name, build, field) => {
      const { taskId, task } = await build();
      const before = await queueRowCounts(t);
      const result = await t.gql(CREATE_TASK, { taskId, task }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toContain(field);
      expect(await queueRowCounts(t)).toEqual(before);
    });
  });

  it('returns the same status when an identical task is created twice, without a new run', async () => {
    const taskId = newTaskId();
    const task = makeTask({ taskQueueId: uniqueQueue(), routes: ['notify.a'], tags: { b: '2', a: '1' }, extra: { z: { y: 1, x: [1, 2] } } });
    const first = (await t.ok(CREATE_TASK, { taskId, task }, t.root)).createTask;
    const second = (await t.ok(CREATE_TASK, { taskId, task: { ...task, tags: { a: '1', b: '2' } } }, t.root)).createTask;
    expect(second).toEqual(first);
    expect(second.runs).toHaveLength(1);
  });

  it('refuses a different definition under an existing taskId with CONFLICT', async () => {
    const taskId = newTaskId();
    const task = makeTask({ taskQueueId: uniqueQueue() });
    await t.ok(CREATE_TASK, { taskId, task }, t.root);
    const result = await t.gql(CREATE_TASK, { taskId, task: { ...task, payload: { command: ['false'] } } }, t.root);
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors![0].message).toContain(taskId);
  });

  it('refuses a client lacking the create-task, scheduler-id, route and task scopes with INSUFFICIENT_SCOPES listing exactly those', async () => {
    const queue = uniqueQueue();
    const client = await makeClient(t, { scopes: ['queue:route:held.*', 'secrets:get:held'] });
    const task = makeTask({
      taskQueueId: queue,
      schedulerId: 'sched-x',
      priority: 'high',
      routes: ['held.one', 'notify.email'],
      scopes: ['secrets:get:held', 'secrets:get:other'],
    });
    const result = await t.gql(CREATE_TASK, { taskId: newTaskId(), task }, client.auth);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    expect([...result.errors![0].extensions!.details.missing].sort()).toEqual(
      [`queue:create-task:high:${queue}`, 'queue:scheduler-id:sched-x', 'queue:route:notify.email', 'secrets:get:other'].sort(),
    );
  });

  it('accepts a client holding exactly the scopes the task needs', async () => {
    const queue = uniqueQueue();
    const client = await makeClient(t, { scopes: [`queue:create-task:high:${queue}`, 'queue:scheduler-id:sched-x', 'queue:route:notify.*', 'secrets:get:x'] });
    const task = makeTask({ taskQueueId: queue, schedulerId: 'sched-x', priority: 'high', routes: ['notify.email'], scopes: ['secrets:get:x'] });
    const result = await t.gql(CREATE_TASK, { taskId: newTaskId(), task }, client.auth);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createTask.state).toBe('pending');
  });

  it('accepts a Taskcluster-style task JSON with provisionerId and workerType', async () => {
    const taskId = newTaskId();
    const now = Date.now();
    const taskclusterTask = {
      provisionerId: 'proj-build',
      workerType: 'linux-large',
      schedulerId: 'taskcluster-github',
      taskGroupId: taskId,
      dependencies: [],
      requires: 'all-completed',
      routes: ['index.project.example.latest'],
      priority: 'very-low',
      retries: 3,
      created: new Date(now).toISOString(),
      deadline: new Date(now + 86_400_000).toISOString(),
      expires: new Date(now + 30 * 86_400_000).toISOString(),
      scopes: [],
      payload: { image: 'ubuntu:24.04', command: ['/bin/bash', '-c', 'echo hi'], maxRunTime: 600 },
      metadata: { name: 'example', description: 'An example', owner: 'me@example.com', source: 'https://github.com/example/repo' },
      tags: { kind: 'test' },
      extra: { index: { rank: 12 } },
    };
    await t.ok(CREATE_TASK, { taskId, task: taskclusterTask }, t.root);
    const { task } = await t.ok(TASK, { taskId });
    expect(task).toMatchObject({ taskQueueId: 'proj-build/linux-large', schedulerId: 'taskcluster-github', priority: 'very-low', retries: 3, extra: { index: { rank: 12 } } });
    expect(task.status.state).toBe('pending');
  });

  it('reads Taskcluster’s legacy priority normal as lowest, also when the same task is created again', async () => {
    const taskId = newTaskId();
    const queue = uniqueQueue();
    const client = await makeClient(t, { scopes: [`queue:create-task:lowest:${queue}`, 'queue:scheduler-id:-'] });
    const definition = makeTask({ taskQueueId: queue, priority: 'normal' });
    expect((await t.gql(CREATE_TASK, { taskId, task: definition }, client.auth)).errors).toBeUndefined();
    expect((await t.gql(CREATE_TASK, { taskId, task: definition }, client.auth)).errors).toBeUndefined();
    expect((await t.ok(TASK, { taskId })).task.priority).toBe('lowest');
  });
});
