// What happens to runs: reports (idempotent), worker exceptions and retries, reclaim, cancel,
// rerun and priority changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { changePriority, claim, claimAndComplete, createTask, newTaskId, reclaim, report, reportException, sleep, status, taskAction, uniqueQueue } from '../support/tasks';

describe.each(databaseKinds)('runs on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A task of its own queue, claimed. */
  async function running(overrides: Record<string, unknown> = {}) {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue, ...overrides });
    const [c] = await claim(t, queue);
    expect(c.task.taskId).toBe(task.taskId);
    return { queue, taskId: task.taskId, runId: c.runId, auth: c.auth };
  }

  describe('reports', () => {
    it.each(['reportCompleted', 'reportFailed'] as const)('answers %s made twice with the same status', async (what) => {
      const r = await running();
      const first = await report(t, what, r.taskId, r.runId, r.auth);
      const second = await report(t, what, r.taskId, r.runId, r.auth);
      expect(first.errors).toBeUndefined();
      expect(second.errors).toBeUndefined();
      expect(second.data![what]).toEqual(first.data![what]);
      expect(first.data![what].state).toBe(what === 'reportCompleted' ? 'completed' : 'failed');
    });

    it('refuses a report that contradicts the first with CONFLICT', async () => {
      const r = await running();
      await report(t, 'reportCompleted', r.taskId, r.runId, r.auth);
      for (const result of [await report(t, 'reportFailed', r.taskId, r.runId, r.auth), await reportException(t, r.taskId, r.runId, 'internal-error', r.auth)]) {
        expect(errorCode(result)).toBe('CONFLICT');
        expect(result.errors![0].message).toContain('completed');
      }
      expect((await status(t, r.taskId)).state).toBe('completed');
    });

    it('refuses an exception reason a worker may not report with BAD_USER_INPUT', async () => {
      const r = await running();
      const result = await reportException(t, r.taskId, r.runId, 'canceled', r.auth);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toContain('reason');
    });

    it('refuses a report on a run that was never claimed with CONFLICT', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      const result = await report(t, 'reportCompleted', task.taskId, 0, t.root);
      expect(errorCode(result)).toBe('CONFLICT');
      expect(result.errors![0].message).toContain('pending');
    });
  });

  describe('reports arriving together', () => {
    it('resolves each as it would alone: its own answer, dependents released, a refused one refused, a repeat answered alike', async () => {
      const queue = uniqueQueue();
      const taskGroupId = newTaskId();
      const builds = await Promise.all(Array.from({ length: 40 }, () => createTask(t, { taskQueueId: queue, taskGroupId })));
      const toComplete = builds.slice(0, 30).map((b) => b.taskId);
      const toFail = builds.slice(30).map((b) => b.taskId);
      const later = uniqueQueue();
      const afterCompleted = await createTask(t, { taskQueueId: later, taskGroupId, dependencies: toComplete });
      const afterResolved = await createTask(t, { taskQueueId: later, taskGroupId, dependencies: toFail, requires: 'all-resolved' });
      const blocked = await createTask(t, { taskQueueId: later, taskGroupId, dependencies: [toComplete[0], toFail[0]] });
      const claims = [...(await claim(t, queue, { tasks: 32 })), ...(await claim(t, queue, { tasks: 32 }))];
      expect(claims).toHaveLength(40);
      const claimOf = new Map(claims.map((c) => [c.task.taskId, c]));

      const sent = [
        ...toComplete.map((taskId) => ({ taskId, what: 'reportCompleted' as const, runId: 0 })),
        ...toFail.map((taskId) => ({ taskId, what: 'reportFailed' as const, runId: 0 })),
        { taskId: toComplete[1], what: 'reportCompleted' as const, runId: 0 }, // sent twice at once
        { taskId: toComplete[2], what: 'reportCompleted' as const, runId: 1 }, // no such run
      ];
      const answers = await Promise.all(sent.map((r) => report(t, r.what, r.taskId, r.runId, r.runId === 0 ? claimOf.get(r.taskId)!.auth : t.root)));

      answers.slice(0, 40).forEach((answer, i) => {
        expect(answer.errors).toBeUndefined();
        const s = answer.data![sent[i].what];
        expect(s.state).toBe(sent[i].what === 'reportCompleted' ? 'completed' : 'failed');
        expect(s.runs).toHaveLength(1);
        expect(s.runs[0].state).toBe(s.state);
      });
      expect(answers[40].data!.reportCompleted).toEqual(answers[1].data!.reportCompleted);
      expect(errorCode(answers[41])).toBe('CONFLICT');
      for (const [i, taskId] of [...toComplete, ...toFail].entries()) expect((await status(t, taskId)).state).toBe(i < 30 ? 'completed' : 'failed');
      expect((await status(t, afterCompleted.taskId)).state).toBe('pending');
      expect((await status(t, afterResolved.taskId)).state).toBe('pending');
      expect((await status(t, blocked.taskId)).state).toBe('unscheduled');
    });
  });

  describe('reportRuns', () => {
    const REPORT_RUNS = `mutation ($reports: [RunReportInput!]!) { reportRuns(reports: $reports) { taskId state runs { runId state reasonResolved } } }`;

    it('lets a worker report the runs it claimed with its own credentials, each answered or refused on its own', async () => {
      const queue = uniqueQueue();
      const worker = await makeClient(t, { scopes: [`queue:claim-work:${queue}`, 'queue:worker-id:test-group/worker-1'] });
      const [a, b, c, other] = await Promise.all([1, 2, 3, 4].map(() => createTask(t, { taskQueueId: queue })));
      const mine = await claim(t, queue, { tasks: 3, auth: worker.auth });
      const [theirs] = await claim(t, queue, { workerId: 'worker-2' });
      expect(new Set(mine.map((m) => m.task.taskId))).toEqual(new Set([a.taskId, b.taskId, c.taskId]));
      expect(theirs.task.taskId).toBe(other.taskId);

      const result = await t.gql(
        REPORT_RUNS,
        {
          reports: [
            { taskId: a.taskId, runId: 0, state: 'completed' },
            { taskId: b.taskId, runId: 0, state: 'failed' },
            { taskId: c.taskId, runId: 1, state: 'completed' }, // no such run
            { taskId: other.taskId, runId: 0, state: 'completed' }, // claimed by another worker
          ],
        },
        worker.auth,
      );
      expect(result.data!.reportRuns.map((s: any) => s?.state ?? null)).toEqual(['completed', 'failed', null, null]);
      expect(result.data!.reportRuns[0].runs).toEqual([{ runId: 0, state: 'completed', reasonResolved: 'completed' }]);
      const errorAt = (i: number) => result.errors!.find((e: any) => e.path.join('.') === `reportRuns.${i}`);
      expect(errorAt(2)!.extensions!.code).toBe('CONFLICT');
      expect(errorAt(3)!.extensions!.code).toBe('INSUFFICIENT_SCOPES');
      expect(errorAt(3)!.message).toContain(`queue:resolve-task:${other.taskId}/0`);
      expect((await status(t, c.taskId)).state).toBe('running');
      expect((await status(t, other.taskId)).state).toBe('running');

      // The same reports again answer alike; a run's own task credentials also do.
      const again = await t.gql(REPORT_RUNS, { reports: [{ taskId: a.taskId, runId: 0, state: 'completed' }] }, worker.auth);
      expect(again.data!.reportRuns).toEqual([result.data!.reportRuns[0]]);
      const byTask = await t.gql(REPORT_RUNS, { reports: [{ taskId: other.taskId, runId: 0, state: 'failed' }] }, theirs.auth);
      expect(byTask.errors).toBeUndefined();
      expect(byTask.data!.reportRuns[0].state).toBe('failed');
    });

    it.each([
      ['no runs', []],
      ['65 runs', Array.from({ length: 65 }, () => ({ taskId: newTaskId(), runId: 0, state: 'completed' }))],
      ['an exception', [{ taskId: newTaskId(), runId: 0, state: 'exception' }]],
    ])('refuses %s with BAD_USER_INPUT', async (_what, reports) => {
      const result = await t.gql(REPORT_RUNS, { reports }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toMatch(/reports/);
    });
  });

  describe('exceptions and retries', () => {
    it.each([
      ['worker-shutdown', 'retry'],
      ['intermittent-task', 'task-retry'],
    ])('retries after %s with a new pending run (%s) and one retry fewer', async (reason, reasonCreated) => {
      const r = await running({ retries: 2 });
      const result = await reportException(t, r.taskId, r.runId, reason, r.auth);
      expect(result.errors).toBeUndefined();
      const s = result.data!.reportException;
      expect(s.state).toBe('pending');
      expect(s.retriesLeft).toBe(1);
      expect(s.runs).toMatchObject([
        { runId: 0, state: 'exception', reasonCreated: 'scheduled', reasonResolved: reason },
        { runId: 1, state: 'pending', reasonCreated, reasonResolved: null },
      ]);
      const [again] = await claim(t, r.queue);
      expect(again).toMatchObject({ runId: 1, task: { taskId: r.taskId } });
    });

    it('stays exception when retries are exhausted', async () => {
      const r = await running({ retries: 1 });
      await reportException(t, r.taskId, r.runId, 'worker-shutdown', r.auth);
      const [second] = await claim(t, r.queue);
      const result = await reportException(t, r.taskId, second.runId, 'worker-shutdown', second.auth);
      const s = result.data!.reportException;
      expect(s.state).toBe('exception');
      expect(s.retriesLeft).toBe(0);
      expect(s.runs.map((run: any) => [run.reasonCreated, run.state, run.reasonResolved])).toEqual([
        ['scheduled', 'exception', 'worker-shutdown'],
        ['retry', 'exception', 'worker-shutdown'],
      ]);
    });

    it('does not retry a malformed payload', async () => {
      const r = await running({ retries: 3 });
      const s = (await reportException(t, r.taskId, r.runId, 'malformed-payload', r.auth)).data!.reportException;
      expect(s.state).toBe('exception');
      expect(s.retriesLeft).toBe(3);
      expect(s.runs).toHaveLength(1);
      expect(s.runs[0].reasonResolved).toBe('malformed-payload');
    });

    it('answers the same exception reported twice with the same status, without a second retry', async () => {
      const r = await running();
      const first = await reportException(t, r.taskId, r.runId, 'worker-shutdown', r.auth);
      const second = await reportException(t, r.taskId, r.runId, 'worker-shutdown', r.auth);
      expect(second.errors).toBeUndefined();
      expect(second.data).toEqual(first.data);
      expect(second.data!.reportException.runs).toHaveLength(2);
    });
  });

  describe('reclaim', () => {
    it('extends takenUntil', async () => {
      const r = await running();
      const before = (await status(t, r.taskId)).runs[0].takenUntil;
      await sleep(20);
      const result = await reclaim(t, r.taskId, r.runId, r.auth);
      expect(result.errors).toBeUndefined();
      const after = result.data!.reclaimTask.takenUntil;
      expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime());
      expect((await status(t, r.taskId)).runs[0].takenUntil).toBe(after);
    });

    it('gives fresh credentials that work for the run', async () => {
      const r = await running();
      const result = await reclaim(t, r.taskId, r.runId, r.auth);
      const auth = Buffer.from(JSON.stringify(result.data!.reclaimTask.credentials)).toString('base64url');
      expect((await report(t, 'reportCompleted', r.taskId, r.runId, auth)).errors).toBeUndefined();
    });

    it('fails with CONFLICT once the task is canceled, so the worker learns of the cancel', async () => {
      const r = await running();
      await taskAction(t, 'cancelTask', r.taskId);
      const result = await reclaim(t, r.taskId, r.runId, r.auth);
      expect(errorCode(result)).toBe('CONFLICT');
      expect(result.errors![0].message).toContain('canceled');
      expect(result.errors![0].extensions!.details).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });
    });
  });

  describe('cancelTask', () => {
    it('resolves an unscheduled task with a run created as an exception', async () => {
      const queue = uniqueQueue();
      const blocker = await createTask(t, { taskQueueId: queue });
      const task = await createTask(t, { taskQueueId: queue, dependencies: [blocker.taskId] });
      const s = (await taskAction(t, 'cancelTask', task.taskId)).data!.cancelTask;
      expect(s.state).toBe('exception');
      expect(s.runs).toMatchObject([{ runId: 0, state: 'exception', reasonCreated: 'exception', reasonResolved: 'canceled' }]);
    });

    it('resolves a pending task, which is then not claimed', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      const s = (await taskAction(t, 'cancelTask', task.taskId)).data!.cancelTask;
      expect(s.runs).toMatchObject([{ runId: 0, state: 'exception', reasonCreated: 'scheduled', reasonResolved: 'canceled' }]);
      const queueCounts = (await t.ok('query ($q: String!) { taskQueue(taskQueueId: $q) { pendingCount } }', { q: queue })).taskQueue;
      expect(queueCounts.pendingCount).toBe(0);
    });

    it('resolves a running task, and the worker’s report then conflicts', async () => {
      const r = await running();
      const s = (await taskAction(t, 'cancelTask', r.taskId)).data!.cancelTask;
      expect(s.runs).toMatchObject([{ runId: 0, state: 'exception', reasonResolved: 'canceled', workerId: 'worker-1' }]);
      expect(errorCode(await report(t, 'reportCompleted', r.taskId, r.runId, r.auth))).toBe('CONFLICT');
    });

    it('leaves a resolved task as it is', async () => {
      const r = await running();
      const done = (await report(t, 'reportCompleted', r.taskId, r.runId, r.auth)).data!.reportCompleted;
      const after = await taskAction(t, 'cancelTask', r.taskId);
      expect(after.errors).toBeUndefined();
      expect(after.data!.cancelTask).toEqual(done);
    });

    it('needs queue:cancel-task:<schedulerId>/<taskGroupId>/<taskId>', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      const stranger = await makeClient(t);
      const refused = await taskAction(t, 'cancelTask', task.taskId, stranger.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      const allowed = await makeClient(t, { scopes: [`queue:cancel-task:-/${task.taskGroupId}/${task.taskId}`] });
      expect((await taskAction(t, 'cancelTask', task.taskId, allowed.auth)).data!.cancelTask.state).toBe('exception');
    });
  });

  describe('rerunTask', () => {
    it('adds a rerun run to a resolved task', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      await claimAndComplete(t, queue);
      const s = (await taskAction(t, 'rerunTask', task.taskId)).data!.rerunTask;
      expect(s.state).toBe('pending');
      expect(s.runs).toMatchObject([
        { runId: 0, state: 'completed' },
        { runId: 1, state: 'pending', reasonCreated: 'rerun' },
      ]);
      const [again] = await claim(t, queue);
      expect(again).toMatchObject({ runId: 1, task: { taskId: task.taskId } });
    });

    it('resets the retries left, as Taskcluster does', async () => {
      const r = await running({ retries: 1 });
      await reportException(t, r.taskId, r.runId, 'worker-shutdown', r.auth);
      const [second] = await claim(t, r.queue);
      await reportException(t, r.taskId, second.runId, 'worker-shutdown', second.auth);
      expect((await status(t, r.taskId)).retriesLeft).toBe(0);
      const s = (await taskAction(t, 'rerunTask', r.taskId)).data!.rerunTask;
      expect(s.retriesLeft).toBe(1);
      expect(s.runs.at(-1)).toMatchObject({ runId: 2, state: 'pending', reasonCreated: 'rerun' });
    });

    it('schedules an unscheduled task whatever its dependencies, as Taskcluster does', async () => {
      const queue = uniqueQueue();
      const blocker = await createTask(t, { taskQueueId: uniqueQueue() });
      const task = await createTask(t, { taskQueueId: queue, dependencies: [blocker.taskId] });
      const s = (await taskAction(t, 'rerunTask', task.taskId)).data!.rerunTask;
      expect(s.runs).toMatchObject([{ runId: 0, state: 'pending', reasonCreated: 'rerun' }]);
    });

    it('stops at 50 runs: the last run’s worker-shutdown resolves the task, and a further rerun conflicts', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      for (let runId = 0; runId < 49; runId++) {
        const [c] = await claim(t, queue);
        expect(c.runId).toBe(runId);
        await report(t, 'reportFailed', task.taskId, c.runId, c.auth);
        expect((await taskAction(t, 'rerunTask', task.taskId)).errors).toBeUndefined();
      }
      const [last] = await claim(t, queue);
      expect(last.runId).toBe(49);
      const shutdown = await reportException(t, task.taskId, last.runId, 'worker-shutdown', last.auth);
      expect(shutdown.errors).toBeUndefined();
      expect(shutdown.data!.reportException.state).toBe('exception');
      expect(shutdown.data!.reportException.runs).toHaveLength(50);
      const refused = await taskAction(t, 'rerunTask', task.taskId);
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(refused.errors![0].message).toContain('50');
    });

    it('changes nothing on a pending task', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      const s = (await taskAction(t, 'rerunTask', task.taskId)).data!.rerunTask;
      expect(s.state).toBe('pending');
      expect(s.runs).toHaveLength(1);
    });
  });

  describe('changeTaskPriority', () => {
    it('changes the order in which pending tasks are claimed', async () => {
      const queue = uniqueQueue();
      const first = await createTask(t, { taskQueueId: queue });
      await sleep(5);
      const second = await createTask(t, { taskQueueId: queue });
      expect((await changePriority(t, second.taskId, 'very-high')).errors).toBeUndefined();
      const claimed = [(await claim(t, queue))[0].task.taskId, (await claim(t, queue))[0].task.taskId];
      expect(claimed).toEqual([second.taskId, first.taskId]);
      expect((await t.ok('query ($id: ID!) { task(taskId: $id) { priority } }', { id: second.taskId })).task.priority).toBe('very-high');
    });

    it('needs the create-task scope of the new priority', async () => {
      const queue = uniqueQueue();
      const task = await createTask(t, { taskQueueId: queue });
      const client = await makeClient(t, { scopes: [`queue:change-task-priority:-/${task.taskGroupId}/${task.taskId}`, `queue:create-task:low:${queue}`] });
      expect((await changePriority(t, task.taskId, 'low', client.auth)).errors).toBeUndefined();
      const refused = await changePriority(t, task.taskId, 'highest', client.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      expect(refused.errors![0].extensions!.details.missing).toEqual([`queue:create-task:highest:${queue}`]);
    });

    it('refuses an unknown priority with BAD_USER_INPUT', async () => {
      const task = await createTask(t, { taskQueueId: uniqueQueue() });
      expect(errorCode(await changePriority(t, task.taskId, 'urgent'))).toBe('BAD_USER_INPUT');
    });
  });
});
