// claimWork: who wins a race, in what order tasks are handed out, the long poll, and the task
// credentials a claim carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claimWork } from '../../entities/queue/commands/claim-work';
import { claim, CLAIM_WORK, createTask, reclaim, report, reportException, sleep, status, uniqueQueue } from '../support/tasks';

describe.each(databaseKinds)('claimWork on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives a pending task to exactly one of many workers racing for it; the others get nothing', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => claim(t, queue, { workerId: `racer-${i}` })));
    const winners = results.filter((r) => r.length > 0);
    expect(winners).toHaveLength(1);
    expect(winners[0][0].task.taskId).toBe(task.taskId);
    expect(results.filter((r) => r.length === 0)).toHaveLength(9);
    const s = await status(t, task.taskId);
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0].workerId).toBe(winners[0][0].status.runs[0].workerId);
  }, 60_000);

  it('hands out tasks by priority, then oldest first', async () => {
    const queue = uniqueQueue();
    const order: [string, string][] = [
      ['low', 'low-1'],
      ['high', 'high-1'],
      ['lowest', 'lowest-1'],
      ['high', 'high-2'],
      ['highest', 'highest-1'],
      ['low', 'low-2'],
    ];
    const ids = new Map<string, string>();
    for (const [priority, name] of order) {
      ids.set((await createTask(t, { taskQueueId: queue, priority })).taskId, name);
      await sleep(5); // distinct pending times, even at millisecond precision
    }
    const claimed: string[] = [];
    for (let i = 0; i < order.length; i++) {
      const [c] = await claim(t, queue);
      claimed.push(ids.get(c.task.taskId)!);
    }
    expect(claimed).toEqual(['highest-1', 'high-1', 'high-2', 'low-1', 'low-2', 'lowest-1']);
  });

  it('claims several tasks at once, in the same order', async () => {
    const queue = uniqueQueue();
    const low = await createTask(t, { taskQueueId: queue, priority: 'low' });
    const high = await createTask(t, { taskQueueId: queue, priority: 'high' });
    await createTask(t, { taskQueueId: queue, priority: 'lowest' });
    const claims = await claim(t, queue, { tasks: 2 });
    expect(claims.map((c) => c.task.taskId)).toEqual([high.taskId, low.taskId]);
    expect(claims.every((c) => c.status.state === 'running')).toBe(true);
  });

  it('answers a waiting claimWork as soon as a task is created, long before its wait ends', async () => {
    const queue = uniqueQueue();
    const started = Date.now();
    const waiting = claim(t, queue);
    await sleep(300);
    const task = await createTask(t, { taskQueueId: queue });
    const [c] = await waiting;
    expect(c.task.taskId).toBe(task.taskId);
    // The poll waits 20 s for work; being answered well within that means it was woken.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers an empty list after waiting when no work comes', async () => {
    const queue = uniqueQueue();
    expect(await claim(t, queue)).toEqual([]);
  }, 60_000);

  it('gives task credentials that reclaim and resolve that run only', async () => {
    const queue = uniqueQueue();
    const first = await createTask(t, { taskQueueId: queue, retries: 1, priority: 'high' });
    const other = await createTask(t, { taskQueueId: queue });
    const [c] = await claim(t, queue);
    expect(c.task.taskId).toBe(first.taskId);
    const [o] = await claim(t, queue);
    expect(o.task.taskId).toBe(other.taskId);

    expect((await reclaim(t, first.taskId, c.runId, c.auth)).errors).toBeUndefined();
    // Not another task's run…
    for (const result of [await reclaim(t, other.taskId, o.runId, c.auth), await report(t, 'reportCompleted', other.taskId, o.runId, c.auth)]) {
      expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    }
    // …nor a later run of the same task.
    expect((await reportException(t, first.taskId, c.runId, 'worker-shutdown', c.auth)).errors).toBeUndefined();
    const [retry] = await claim(t, queue);
    expect(retry).toMatchObject({ runId: 1, task: { taskId: first.taskId } });
    const refused = await report(t, 'reportCompleted', first.taskId, 1, c.auth);
    expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
    expect(refused.errors![0].extensions!.details.missing).toEqual([`queue:resolve-task:${first.taskId}/1`]);
    expect((await report(t, 'reportCompleted', first.taskId, 1, retry.auth)).errors).toBeUndefined();
  });

  it('puts the task’s own scopes in its credentials', async () => {
    const queue = uniqueQueue();
    await createTask(t, { taskQueueId: queue, scopes: ['secrets:get:for-the-task'] });
    const [c] = await claim(t, queue);
    expect(c.task.scopes).toEqual(['secrets:get:for-the-task']);
    const scopes = (await t.ok('{ currentScopes }', {}, c.auth)).currentScopes;
    expect(scopes).toEqual(expect.arrayContaining(['secrets:get:for-the-task', `queue:resolve-task:${c.task.taskId}/0`, `queue:reclaim-task:${c.task.taskId}/0`]));
  });

  it('needs queue:claim-work:<taskQueueId> and queue:worker-id:<workerGroup>/<workerId>', async () => {
    const queue = uniqueQueue();
    await createTask(t, { taskQueueId: queue });
    const vars = { q: queue, g: 'test-group', w: 'worker-1', n: 1 };
    const nothing = await makeClient(t);
    const refused = await t.gql(CLAIM_WORK, vars, nothing.auth);
    expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
    expect([...refused.errors![0].extensions!.details.missing].sort()).toEqual([`queue:claim-work:${queue}`, 'queue:worker-id:test-group/worker-1']);
    const halfway = await makeClient(t, { scopes: [`queue:claim-work:${queue}`, 'queue:worker-id:test-group/other-worker'] });
    const refusedAgain = await t.gql(CLAIM_WORK, vars, halfway.auth);
    expect(refusedAgain.errors![0].extensions!.details.missing).toEqual(['queue:worker-id:test-group/worker-1']);
    const worker = await makeClient(t, { scopes: [`queue:claim-work:${queue}`, 'queue:worker-id:test-group/*'] });
    const [c] = await claim(t, queue, { auth: worker.auth });
    expect(c.status.state).toBe('running');
  });

  it('stops a long poll whose client went away: work created afterwards is not claimed for it', async () => {
    const queue = uniqueQueue();
    const gone = new AbortController();
    const polling = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.root}` },
      body: JSON.stringify({ query: CLAIM_WORK, variables: { q: queue, g: 'g', w: 'left', n: 1 } }),
      signal: gone.signal,
    }).catch(() => 'aborted');
    await sleep(300);
    gone.abort();
    expect(await polling).toBe('aborted');
    await sleep(200);
    const task = await createTask(t, { taskQueueId: queue });
    await sleep(500);
    expect((await status(t, task.taskId)).state).toBe('pending');
  });

  it('undoes a claim whose client went away while it committed: the task is pending again, in its place in line', async () => {
    const queue = uniqueQueue();
    const older = await createTask(t, { taskQueueId: queue });
    await sleep(5);
    const newer = await createTask(t, { taskQueueId: queue });
    const before = await status(t, older.taskId);
    // As when the worker's socket closed before the claim's answer could be sent.
    const gone = new AbortController();
    gone.abort();
    const root = { core: t.core, caller: { clientId: 'root', scopes: ['*'], temporary: false } };
    expect(await claimWork(root, { taskQueueId: queue, workerGroup: 'test-group', workerId: 'left', tasks: 1, waitMs: 0, signal: gone.signal })).toEqual([]);
    expect(await status(t, older.taskId)).toEqual(before);
    // Still first in line (its pending time kept), and its first run is the one handed out.
    const [next] = await claim(t, queue);
    expect(next.task.taskId).toBe(older.taskId);
    expect(next.runId).toBe(0);
    expect(next.status.runs).toHaveLength(1);
    expect(next.status.runs[0]).toMatchObject({ state: 'running', workerId: 'worker-1' });
    expect((await claim(t, queue))[0].task.taskId).toBe(newer.taskId);
  });
});
