// Exactly once across processes: real cron processes (`cron/main.ts`) on one database, a hook
// scheduled every second. Every second between the first fire and the last fires once — no
// duplicate, no gap — also when a cron is killed (-9) in the middle and started again; and each
// fire made exactly one task, with its own taskId.
//
// Three processes need MariaDB/MySQL (skipped without TEST_MYSQL_URL); SQLite runs the same with
// two processes, as `npm start` shares one file between gateway and cron.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds, type DatabaseKind } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sleep } from '../support/tasks';
import { killCrons, spawnCron, type CronChild } from './cron-child';
import { lastFires, makeHook } from './support';

const WINDOW_MS: Record<DatabaseKind, number> = { mysql: 20_000, sqlite: 12_000 };
const PROCESSES: Record<DatabaseKind, number> = { mysql: 3, sqlite: 2 };

describe.each(databaseKinds)('cron processes on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterEach(async () => {
    await killCrons();
  });
  afterAll(async () => {
    await killCrons();
    await t?.close();
    await expectNoOpenSockets();
  });

  /** Waits until the hook has fired at least `count` times (or fails with the crons' output). */
  async function waitForFires(g: string, h: string, count: number, crons: CronChild[], ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await lastFires(t, g, h)).length < count) {
      if (Date.now() > deadline) throw new Error(`no ${count} fires within ${ms} ms; cron output:\n${crons.map((c) => c.output()).join('\n---\n')}`);
      await sleep(250);
    }
  }

  /** Every fire: one per second, none twice, none missing, each with one task of its own. */
  async function expectEverySecondOnce(g: string, h: string, queue: string, atLeast: number): Promise<void> {
    const fires = await lastFires(t, g, h);
    const times = fires.map((f) => new Date(f.scheduledFor).getTime()).sort((a, b) => a - b);
    expect(new Set(times).size, 'a scheduled second fired twice').toBe(times.length);
    const gaps = times.slice(1).filter((time, i) => time - times[i] !== 1000);
    expect(gaps, 'a scheduled second was not fired').toEqual([]);
    expect(times.length).toBeGreaterThanOrEqual(atLeast);
    expect(fires.filter((f) => f.result !== 'created' || f.missedFires !== 0 || f.firedBy !== 'schedule')).toEqual([]);
    const tasks: { task_id: string }[] = await t.core.db.query('SELECT task_id FROM tasks WHERE task_queue_id = ?', [queue]);
    expect(tasks.map((r) => r.task_id).sort()).toEqual(fires.map((f) => f.taskId).sort());
  }

  it(`fires each second exactly once with ${PROCESSES[kind]} cron processes`, { timeout: 120_000 }, async () => {
    const { g, h, queue } = await makeHook(t, { schedule: ['* * * * * *'] });
    const crons = Array.from({ length: PROCESSES[kind] }, () => spawnCron(t.database.url));
    await waitForFires(g, h, 1, crons);
    await sleep(WINDOW_MS[kind]);
    // SIGTERM: each finishes the job in hand, so no fire is left half made.
    await Promise.all(crons.map((cron) => cron.stop()));
    await expectEverySecondOnce(g, h, queue, (WINDOW_MS[kind] / 1000) * 0.75);
  });

  it('loses no fire and duplicates none when a cron is killed -9 in the middle and started again', { timeout: 120_000 }, async () => {
    const { g, h, queue } = await makeHook(t, { schedule: ['* * * * * *'] });
    // One process only, so nothing covers for the one killed: the restart must catch up itself.
    const first = spawnCron(t.database.url);
    await waitForFires(g, h, 1, [first]);
    await sleep(4_000);
    await first.stop('SIGKILL');
    const killedAt = (await lastFires(t, g, h)).length;
    await sleep(2_000);
    const second = spawnCron(t.database.url);
    // Past the seconds missed while it was down, and past the lease of any fire the kill left pending.
    await waitForFires(g, h, killedAt + 12, [second]);
    await sleep(6_000);
    await second.stop();
    await expectEverySecondOnce(g, h, queue, killedAt + 12);
    expect(first.output()).not.toMatch(/"level":(50|60)/);
    expect(second.output()).not.toMatch(/"level":(50|60)/);
  });
});
