// Queue events over real WebSockets: a task's status changes, a group's, a group draining, and
// the scopes a subscriber needs.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { wsClient, wsSubscribe, type Auth } from '../support/graphql';
import { changePriority, claim, claimAndComplete, CREATE_GRAPH, createTask, makeTask, newTaskId, reclaim, report, sleep, taskAction, uniqueQueue } from '../support/tasks';

const TASK_CHANGED = 'subscription ($id: ID!) { taskStatusChanged(taskId: $id) { taskId state runs { runId state } } }';
const GROUP_CHANGED = 'subscription ($g: ID!) { taskGroupChanged(taskGroupId: $g) { taskId state } }';
const GROUP_RESOLVED = 'subscription ($g: ID!) { taskGroupResolved(taskGroupId: $g) { taskGroupId schedulerId } }';

type Subscription = ReturnType<typeof wsSubscribe<Record<string, any>>>;

describe.each(databaseKinds)('queue subscriptions on %s', (kind) => {
  let t: TestGateway;
  const clients: Client[] = [];
  const subscriptions: Subscription[] = [];

  function subscribe(query: string, variables: Record<string, unknown>, auth: Auth = t.root): Subscription {
    const client = wsClient(t.url, auth);
    clients.push(client);
    const subscription = wsSubscribe(client, query, variables);
    subscriptions.push(subscription);
    return subscription;
  }

  /**
   * The server does not tell the client when a subscription is live: poke (a change that makes
   * an event the test can tell apart) until the first event arrives.
   */
  async function untilLive(subscription: Subscription, poke: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; attempt < 50 && subscription.events.length === 0 && subscription.errors.length === 0; attempt++) {
      await poke();
      await subscription.waitFor(1, 200).catch(() => undefined);
    }
    expect(subscription.errors).toEqual([]);
    expect(subscription.events.length).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterEach(async () => {
    subscriptions.splice(0).forEach((s) => s.stop());
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await t?.close();
    await expectNoOpenSockets();
  });

  it('shows a task going pending → running → completed, in order', async () => {
    const blockerQueue = uniqueQueue();
    const queue = uniqueQueue();
    const blocker = await createTask(t, { taskQueueId: blockerQueue });
    const task = await createTask(t, { taskQueueId: queue, dependencies: [blocker.taskId] });
    const subscription = subscribe(TASK_CHANGED, { id: task.taskId });
    // Pokes are priority changes while the task is still unscheduled.
    await untilLive(subscription, () => changePriority(t, task.taskId, 'lowest'));

    await claimAndComplete(t, blockerQueue);
    const [c] = await claim(t, queue);
    await report(t, 'reportCompleted', task.taskId, c.runId, c.auth);
    const states = async () => subscription.events.map((e) => e.data!.taskStatusChanged.state).filter((s) => s !== 'unscheduled');
    const deadline = Date.now() + 10_000;
    while ((await states()).length < 3 && Date.now() < deadline) await subscription.waitFor(subscription.events.length + 1, 500).catch(() => undefined);
    expect(await states()).toEqual(['pending', 'running', 'completed']);
    const last = subscription.events.at(-1)!.data!.taskStatusChanged;
    expect(last).toEqual({ taskId: task.taskId, state: 'completed', runs: [{ runId: 0, state: 'completed' }] });
  });

  it('resumes from the changes last seen: each change of state once, in order, reclaims not sent', async () => {
    const RESUME = 'subscription ($id: ID!, $since: Int) { taskStatusChanged(taskId: $id, since: $since) { state changes runs { runId state } } }';
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    const changesOf = (sub: Subscription) => sub.events.map((e) => e.data!.taskStatusChanged.changes as number);

    // since 0: the current status comes at once, so no poke is needed to know the stream is live.
    const first = subscribe(RESUME, { id: task.taskId, since: 0 });
    await first.waitFor(1);
    expect(first.events[0].data!.taskStatusChanged).toEqual({ state: 'pending', changes: 1, runs: [{ runId: 0, state: 'pending' }] });
    const [c0] = await claim(t, queue);
    await first.waitFor(2);
    expect(changesOf(first)).toEqual([1, 2]);
    first.stop();

    // Away: a reclaim, a completion and a rerun.
    await reclaim(t, task.taskId, c0.runId, c0.auth);
    await report(t, 'reportCompleted', task.taskId, c0.runId, c0.auth);
    await taskAction(t, 'rerunTask', task.taskId);

    const second = subscribe(RESUME, { id: task.taskId, since: 2 });
    await second.waitFor(1);
    expect(second.events[0].data!.taskStatusChanged).toEqual({
      state: 'pending',
      changes: 4,
      runs: [
        { runId: 0, state: 'completed' },
        { runId: 1, state: 'pending' },
      ],
    });
    const [c1] = await claim(t, queue);
    await reclaim(t, task.taskId, c1.runId, c1.auth);
    await report(t, 'reportFailed', task.taskId, c1.runId, c1.auth);
    await second.waitFor(3);
    await sleep(300); // nothing more may come
    expect(changesOf(second)).toEqual([4, 5, 6]);
    expect(second.events.map((e) => e.data!.taskStatusChanged.state)).toEqual(['pending', 'running', 'failed']);

    // Up to date: nothing is sent until the next change.
    const third = subscribe(RESUME, { id: task.taskId, since: 6 });
    const plain = subscribe(TASK_CHANGED, { id: task.taskId });
    await untilLive(plain, () => taskAction(t, 'rerunTask', task.taskId).then(() => taskAction(t, 'cancelTask', task.taskId)));
    await third.waitFor(1);
    expect(changesOf(third)[0]).toBeGreaterThan(6);
    expect(changesOf(third)).toEqual([...changesOf(third)].sort((a, b) => a - b));
    expect(new Set(changesOf(third)).size).toBe(changesOf(third).length);
  });

  it('shows every task of a group as it changes', async () => {
    const blockerQueue = uniqueQueue();
    const queue = uniqueQueue();
    const blocker = await createTask(t, { taskQueueId: blockerQueue });
    const taskGroupId = newTaskId();
    const ids = [newTaskId(), newTaskId(), newTaskId()];
    const tasks = ids.map((taskId) => ({ taskId, task: makeTask({ taskQueueId: queue, taskGroupId, dependencies: [blocker.taskId] }) }));
    await t.ok(CREATE_GRAPH, { tasks }, t.root);
    const subscription = subscribe(GROUP_CHANGED, { g: taskGroupId });
    await untilLive(subscription, () => changePriority(t, ids[0], 'lowest'));

    await claimAndComplete(t, blockerQueue);
    for (let i = 0; i < ids.length; i++) await claimAndComplete(t, queue);
    const seen = () => subscription.events.map((e) => e.data!.taskGroupChanged).filter((s) => s.state !== 'unscheduled');
    const deadline = Date.now() + 10_000;
    while (seen().length < 9 && Date.now() < deadline) await subscription.waitFor(subscription.events.length + 1, 500).catch(() => undefined);
    for (const taskId of ids) {
      expect(seen().filter((s) => s.taskId === taskId).map((s) => s.state)).toEqual(['pending', 'running', 'completed']);
    }
    expect(seen()).toHaveLength(9);
  });

  it('resumes a group’s stream from a time: the tasks changed since, then live changes, each once', async () => {
    const RESUME = 'subscription ($g: ID!, $since: DateTime) { taskGroupChanged(taskGroupId: $g, since: $since) { taskId state changes changedAt runs { scheduled started resolved } } }';
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const ids = [newTaskId(), newTaskId(), newTaskId()];
    await t.ok(CREATE_GRAPH, { tasks: ids.map((taskId) => ({ taskId, task: makeTask({ taskQueueId: queue, taskGroupId }) })) }, t.root);
    const [c0] = await claim(t, queue);
    await report(t, 'reportCompleted', c0.status.taskId, c0.runId, c0.auth);
    const statuses = (sub: Subscription) => sub.events.map((e) => e.data!.taskGroupChanged);

    // Away for the last minute: every task of the group changed since, each comes once, as it is now.
    const resumed = subscribe(RESUME, { g: taskGroupId, since: new Date(Date.now() - 60_000).toISOString() });
    await resumed.waitFor(3);
    const caughtUp = new Map(statuses(resumed).map((s) => [s.taskId, s]));
    expect([...caughtUp.keys()].sort()).toEqual([...ids].sort());
    expect(caughtUp.get(c0.status.taskId)).toMatchObject({ state: 'completed', changes: 3 });
    const done = caughtUp.get(c0.status.taskId)!;
    expect(done.changedAt).toBe(done.runs[0].resolved);
    for (const taskId of ids.filter((id) => id !== c0.status.taskId)) expect(caughtUp.get(taskId)).toMatchObject({ state: 'pending', changes: 1 });

    // Then live: the next claim once.
    const [c1] = await claim(t, queue);
    await resumed.waitFor(4);
    expect(statuses(resumed)[3]).toMatchObject({ taskId: c1.status.taskId, state: 'running', changes: 2 });

    // Resumed from a time after every change: nothing is sent until the next one.
    const upToDate = subscribe(RESUME, { g: taskGroupId, since: new Date(Date.now() + 60_000).toISOString() });
    const plain = subscribe(GROUP_CHANGED, { g: taskGroupId });
    await untilLive(plain, () => changePriority(t, ids.find((id) => id !== c0.status.taskId && id !== c1.status.taskId)!, 'lowest'));
    await report(t, 'reportCompleted', c1.status.taskId, c1.runId, c1.auth);
    await upToDate.waitFor(1);
    await sleep(300);
    expect(statuses(upToDate).filter((s) => s.taskId === c1.status.taskId).map((s) => [s.state, s.changes])).toEqual([['completed', 3]]);
    expect(statuses(resumed).length).toBeGreaterThanOrEqual(5);
    const seenOf = (taskId: string) => statuses(resumed).filter((s) => s.taskId === taskId).map((s) => s.changes as number);
    for (const taskId of ids) expect(seenOf(taskId)).toEqual([...new Set(seenOf(taskId))].sort((a, b) => a - b));
  });

  it('announces a group resolved each time it drains, and not while a task is open', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    // A first task, cancelled and rerun at will to find when the subscription is live: each
    // cancel drains the group.
    const first = await createTask(t, { taskQueueId: uniqueQueue(), taskGroupId, schedulerId: 'sched-g' });
    const subscription = subscribe(GROUP_RESOLVED, { g: taskGroupId });
    await untilLive(subscription, async () => {
      await taskAction(t, 'rerunTask', first.taskId);
      await taskAction(t, 'cancelTask', first.taskId);
    });
    await sleep(300); // let any late event of the pokes arrive before counting
    const drained = subscription.events.length;
    expect(subscription.events[0].data!.taskGroupResolved).toEqual({ taskGroupId, schedulerId: 'sched-g' });

    await createTask(t, { taskQueueId: queue, taskGroupId, schedulerId: 'sched-g' });
    await createTask(t, { taskQueueId: queue, taskGroupId, schedulerId: 'sched-g' });
    await claimAndComplete(t, queue);
    await sleep(300);
    expect(subscription.events).toHaveLength(drained);
    await claimAndComplete(t, queue);
    await subscription.waitFor(drained + 1);
    await sleep(300);
    expect(subscription.events).toHaveLength(drained + 1);
  });

  describe('needs queue:subscribe:<schedulerId>/<taskGroupId>/<taskId>', () => {
    it.each([
      ['taskStatusChanged', TASK_CHANGED],
      ['taskGroupChanged', GROUP_CHANGED],
      ['taskGroupResolved', GROUP_RESOLVED],
    ])('refuses %s to a subscriber without it with INSUFFICIENT_SCOPES', async (_name, query) => {
      const task = await createTask(t, { taskQueueId: uniqueQueue(), schedulerId: 'sched-s' });
      const stranger = await makeClient(t, { scopes: ['queue:subscribe:sched-s/other-group/*'] });
      const subscription = subscribe(query, { id: task.taskId, g: task.taskGroupId }, stranger.auth);
      const deadline = Date.now() + 10_000;
      while (!subscription.events.length && !subscription.errors.length && Date.now() < deadline) await sleep(20);
      const errors = subscription.events[0]?.errors ?? (subscription.errors[0] as any[]);
      expect(errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPES');
      expect(errors[0].message).toContain(`queue:subscribe:sched-s/${task.taskGroupId}/`);
    });

    it('lets a subscriber holding the group’s scope follow its tasks', async () => {
      const task = await createTask(t, { taskQueueId: uniqueQueue(), schedulerId: 'sched-s' });
      const follower = await makeClient(t, { scopes: [`queue:subscribe:sched-s/${task.taskGroupId}/*`] });
      const subscription = subscribe(TASK_CHANGED, { id: task.taskId }, follower.auth);
      await untilLive(subscription, () => changePriority(t, task.taskId, 'lowest'));
      expect(subscription.events[0].data!.taskStatusChanged.taskId).toBe(task.taskId);
    });
  });
});
