// Scheduled fires, in the cron's own code with a clock the test moves (the one fake: time).
// Each scheduled time fires once, with the taskId chosen before the fire; a late cron fires what
// is merely late one by one and what it missed (an outage) once, saying how many; a fire whose
// task was not made — the cron died, the database went away — is made later with the same taskId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../entities/clock';
import { openCore, type Core } from '../../entities/core';
import { attemptFireTask, LEASE_MS, recordOutcomes } from '../../entities/hooks/fire-task';
import { claimDueFires, deleteOldFires, fireDueHooks, FIRE_HISTORY_MS, MISSED_AFTER_MS } from '../../entities/hooks/fire';
import { timeParam } from '../../entities/db/columns';
import { createLogger } from '../../entities/log';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds, createTestDatabase, type TestDatabase } from '../support/databases';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway';
import { TcpProxy } from '../gateway/tcp-proxy';
import { makeRole } from '../support/factories';
import { awayFromMinuteTurn, CREATE_HOOK, HOOK, hookIds, hookInput, hookQueue, hookRoleScopes, lastFires, makeHook, taskTemplate } from './support';

const TASKS_IN_QUEUE = 'SELECT task_id FROM tasks WHERE task_queue_id = ?';
const CLAIM = { batch: 100, missedAfterMs: MISSED_AFTER_MS };

async function openCron(database: TestDatabase, clock: ManualClock, env: Record<string, string> = {}): Promise<Core> {
  const config = testConfig(database, env);
  return openCore(config, { clock, log: createLogger('silent', 'cron') });
}

describe.each(databaseKinds)('firing scheduled hooks on %s', (kind) => {
  let t: TestGateway;
  let clock: ManualClock;
  let cron: Core;
  beforeAll(async () => {
    t = await startTestGateway(kind);
    clock = new ManualClock();
    cron = await openCron(t.database, clock);
  });
  afterAll(async () => {
    await cron?.close();
    await t?.close();
    await expectNoOpenSockets();
  });

  async function tasksIn(queue: string): Promise<string[]> {
    return (await t.core.db.query(TASKS_IN_QUEUE, [queue])).map((r: { task_id: string }) => r.task_id);
  }

  async function nextScheduled(g: string, h: string): Promise<string> {
    return (await t.ok(HOOK, { g, h })).hook.nextScheduledDate;
  }

  it('fires a scheduled time once, when it comes, and moves to the next', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate);
    clock.set(new Date(due.getTime() - 1));
    await fireDueHooks(cron);
    expect(await lastFires(t, g, h)).toEqual([]);

    clock.set(due);
    await fireDueHooks(cron);
    await fireDueHooks(cron);
    const fires = await lastFires(t, g, h);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ firedBy: 'schedule', scheduledFor: due.toISOString(), firedAt: due.toISOString(), missedFires: 0, result: 'created', taskState: 'pending' });
    expect(await tasksIn(queue)).toEqual([fires[0].taskId]);
    expect(await nextScheduled(g, h)).toBe(new Date(due.getTime() + 60_000).toISOString());
  });

  it('fires scheduled times that are only late one by one, in order, each with its own task', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['*/10 * * * * *'] });
    const due = new Date(hook.nextScheduledDate).getTime();
    clock.set(new Date(due + 35_000));
    await fireDueHooks(cron);
    const fires = await lastFires(t, g, h);
    expect(fires.map((f) => [f.scheduledFor, f.missedFires, f.result])).toEqual(
      [0, 10, 20, 30].map((s) => [new Date(due + s * 1000).toISOString(), 0, 'created']),
    );
    expect((await tasksIn(queue)).sort()).toEqual(fires.map((f) => f.taskId).sort());
  });

  it('after an outage, fires a hook that missed many scheduled times once, saying how many it missed', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate).getTime();
    clock.set(new Date(due + 10 * 60_000 + 5_000));
    await fireDueHooks(cron);
    await fireDueHooks(cron);
    const fires = await lastFires(t, g, h);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ scheduledFor: new Date(due + 10 * 60_000).toISOString(), missedFires: 10, result: 'created' });
    expect(await tasksIn(queue)).toHaveLength(1);
    expect(await nextScheduled(g, h)).toBe(new Date(due + 11 * 60_000).toISOString());
  });

  it('makes the task of a fire whose cron died after claiming it, later, with the same taskId', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate);
    clock.set(due);
    // The cron claims the fire, then dies before creating the task.
    await claimDueFires(cron, CLAIM);
    const [claimed] = await lastFires(t, g, h);
    expect(claimed).toMatchObject({ result: 'pending', taskState: null, scheduledFor: due.toISOString() });
    expect(await tasksIn(queue)).toEqual([]);

    // Not yet: the claimer may still be at work.
    clock.set(new Date(due.getTime() + LEASE_MS - 1));
    await fireDueHooks(cron);
    expect((await lastFires(t, g, h))[0].result).toBe('pending');

    clock.set(new Date(due.getTime() + LEASE_MS));
    await fireDueHooks(cron);
    const fires = await lastFires(t, g, h);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ taskId: claimed.taskId, result: 'created', taskState: 'pending' });
    expect(await tasksIn(queue)).toEqual([claimed.taskId]);
  });

  it('records a fire whose task was made but not recorded (the cron died in between) as created, without a second task', async () => {
    const queue = `hooks-prov/late${kind}`;
    // A short deadline: by the retry, the stored definition could no longer be created afresh.
    const task = taskTemplate(queue, { deadline: { $fromNow: '20 seconds' } });
    const { g, h, hook } = await makeHook(t, { queue, task, schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate);
    clock.set(due);
    const { fires } = await claimDueFires(cron, CLAIM);
    const fire = fires.find((f) => f.hookGroupId === g && f.hookId === h)!;
    const made = await attemptFireTask(cron, fire);
    expect(made.kind, JSON.stringify((made as any).error?.message)).toBe('created');

    clock.set(new Date(due.getTime() + 30_000));
    await fireDueHooks(cron);
    const [recorded] = await lastFires(t, g, h);
    expect(recorded).toMatchObject({ taskId: fire.taskId, result: 'created', error: null });
    expect(await tasksIn(queue)).toEqual([fire.taskId]);
  });

  it('fires many hooks due in the same second, one task each; one the role refuses fails only itself', async () => {
    const { g } = hookIds('many');
    const queue = hookQueue();
    await makeRole(t, `hook-id:${g}/*`, hookRoleScopes(queue));
    const names = ['a', 'b', 'c', 'd', 'e', 'refused'];
    await awayFromMinuteTurn();
    for (const h of names) {
      const task = taskTemplate(h === 'refused' ? 'hooks-prov/not-granted' : queue);
      await t.ok(CREATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 * * * * *'], task }) }, t.root);
    }
    const due = new Date((await t.ok(HOOK, { g, h: 'a' })).hook.nextScheduledDate);
    clock.set(due);
    await fireDueHooks(cron);
    const fires = await Promise.all(names.map(async (h) => (await lastFires(t, g, h))[0]));
    expect(fires.map((f) => [f.scheduledFor, f.result]), JSON.stringify(fires)).toEqual(names.map((h) => [due.toISOString(), h === 'refused' ? 'error' : 'created']));
    expect(fires[5].error).toContain('queue:create-task:lowest:hooks-prov/not-granted');
    expect((await tasksIn(queue)).sort()).toEqual(fires.slice(0, 5).map((f) => f.taskId).sort());
  });

  it('never fires one scheduled time twice, even when a hook is set back to it (a clock behind)', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate);
    clock.set(due);
    await fireDueHooks(cron);
    await t.core.db.query('UPDATE hooks SET next_scheduled_date = ? WHERE hook_group_id = ? AND hook_id = ?', [timeParam(t.core.db, due), g, h]);
    await fireDueHooks(cron);
    expect(await lastFires(t, g, h)).toHaveLength(1);
    expect(await tasksIn(queue)).toHaveLength(1);
    expect(await nextScheduled(g, h)).toBe(new Date(due.getTime() + 60_000).toISOString());
  });

  it('records a template that renders to null as no-task, a broken one as an error, and keeps to the schedule', async () => {
    await awayFromMinuteTurn();
    const empty = await makeHook(t, { schedule: ['0 * * * * *'], task: { $if: 'firedBy != "schedule"', then: taskTemplate('x/y') } });
    const broken = await makeHook(t, { schedule: ['0 * * * * *'], task: { $eval: 'payload.x' } });
    const due = new Date(empty.hook.nextScheduledDate);
    clock.set(due);
    await fireDueHooks(cron);
    expect(await lastFires(t, empty.g, empty.h)).toMatchObject([{ result: 'no-task', error: null, taskState: null }]);
    const [failed] = await lastFires(t, broken.g, broken.h);
    // Scheduled fires have no payload, as in Taskcluster.
    expect(failed).toMatchObject({ result: 'error', taskState: null });
    expect(failed.error).toContain('payload');
    expect(await nextScheduled(broken.g, broken.h)).toBe(new Date(due.getTime() + 60_000).toISOString());
  });

  it('records the scopes the hook’s role lacks when its task is refused', async () => {
    const { g, h, hook } = await makeHook(t, { schedule: ['0 * * * * *'], task: taskTemplate('hooks-prov/elsewhere') });
    clock.set(new Date(hook.nextScheduledDate));
    await fireDueHooks(cron);
    const [fire] = await lastFires(t, g, h);
    expect(fire.result).toBe('error');
    expect(fire.error).toContain('queue:create-task:lowest:hooks-prov/elsewhere');
    expect(fire.error).toContain(`hook-id:${g}/${h}`);
  });

  it('deletes fires older than the history kept, and only those', async () => {
    const { g, h, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    clock.set(new Date(hook.nextScheduledDate));
    await fireDueHooks(cron);
    expect(await lastFires(t, g, h)).toHaveLength(1);
    clock.set(new Date(new Date(hook.nextScheduledDate).getTime() + FIRE_HISTORY_MS - 1000));
    await deleteOldFires(cron);
    expect(await lastFires(t, g, h)).toHaveLength(1);
    clock.set(new Date(new Date(hook.nextScheduledDate).getTime() + FIRE_HISTORY_MS + 1000));
    await deleteOldFires(cron);
    expect(await lastFires(t, g, h)).toHaveLength(0);
  });
});

// MySQL/MariaDB only: SQLite is a file inside the process, it cannot go away. Without
// TEST_MYSQL_URL there is no server to put a proxy in front of.
describe.skipIf(!process.env.TEST_MYSQL_URL)('a fire whose database goes away (mysql)', () => {
  let t: TestGateway;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let cron: Core;
  const clock = new ManualClock();
  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    t = await startTestGateway('mysql', { database });
    const server = new URL(database.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 3306) });
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    cron = await openCron({ ...database, url: proxied.toString() }, clock, { DATABASE_QUERY_TIMEOUT_SECONDS: '2' });
  });
  afterAll(async () => {
    await proxy?.restore();
    await cron?.close();
    await proxy?.close();
    await t?.close();
    await database?.drop();
    await expectNoOpenSockets();
  });

  it('is retried with the same taskId once the database is back: one task, never two', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 * * * * *'] });
    const due = new Date(hook.nextScheduledDate);
    clock.set(due);
    const { fires } = await claimDueFires(cron, CLAIM);
    const [fire] = fires;
    await proxy.cut();
    try {
      const outcome = await attemptFireTask(cron, fire);
      expect(outcome.kind).toBe('retry');
      await recordOutcomes(cron, [outcome]);
      await expect(fireDueHooks(cron)).rejects.toThrow();
    } finally {
      await proxy.restore();
    }
    expect((await lastFires(t, g, h))[0]).toMatchObject({ taskId: fire.taskId, result: 'pending' });

    clock.set(new Date(due.getTime() + LEASE_MS));
    for (let i = 0; i < 50 && (await lastFires(t, g, h))[0].result === 'pending'; i++) {
      // The pool notices its dead connections on first use; the job runs again at the next tick.
      await fireDueHooks(cron).catch(() => undefined);
      clock.advance(LEASE_MS * 12);
    }
    expect(await lastFires(t, g, h)).toMatchObject([{ taskId: fire.taskId, result: 'created', taskState: 'pending', scheduledFor: due.toISOString() }]);
    expect((await t.core.db.query(TASKS_IN_QUEUE, [queue])).map((r: { task_id: string }) => r.task_id)).toEqual([fire.taskId]);
  });
});
