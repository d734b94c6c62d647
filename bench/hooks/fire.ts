/**
 * Hook firing: BENCH_HOOKS (5,000) hooks all due in the same second, fired by 1 and then by 3
 * real cron processes (`cron/main.ts`) on a fresh MariaDB database each. Measured: from the
 * scheduled second to the last task created (its pending run's `scheduled` time, written by
 * createTask), plus when the last fire was claimed and the spread of task creation.
 * Run: npx tsx bench/hooks/fire.ts   (BENCH_HOOKS=1000 for a quick run; BENCH_CRONS=1,3)
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import slugid from 'slugid';
import type { QueryDeepPartialEntity } from 'typeorm';
import { createRole } from '../../entities/auth/commands/roles';
import { openCore, type Core } from '../../entities/core';
import { Hook } from '../../entities/hooks/Hook';
import { createLogger } from '../../entities/log';
import { createTestDatabase } from '../../test/support/databases';
import { CREDENTIALS_KEY, testConfig } from '../../test/support/gateway';
import { describeSetup, MYSQL_URL, sizeFromEnv } from '../support/env';
import { ms, summarize } from '../support/stats';

process.env.TEST_MYSQL_URL = MYSQL_URL;

const HOOKS = sizeFromEnv('BENCH_HOOKS', 5000);
const CRONS = (process.env.BENCH_CRONS ?? '1,3').split(',').map(Number);
const QUEUE = 'bench-hooks/fire';
const REPO = path.resolve(__dirname, '..', '..');

interface Cron {
  child: ChildProcess;
  output: () => string;
  started: Promise<void>;
  stop(): Promise<void>;
}

function spawnCron(databaseUrl: string): Cron {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-bench-cron-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cron/main.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, CREDENTIALS_KEY, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('"cron started"')) resolve();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => reject(new Error(`cron exited (${code}) before starting:\n${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `s m h D M *` for exactly this second (fires again in a year: once, for the benchmark). */
function cronFor(date: Date): string {
  return `${date.getUTCSeconds()} ${date.getUTCMinutes()} ${date.getUTCHours()} ${date.getUTCDate()} ${date.getUTCMonth() + 1} *`;
}

async function prepare(core: Core): Promise<void> {
  const root = { core, caller: { clientId: 'root', scopes: ['*'], temporary: false } };
  // One star role serves every hook: hook-id:bench/<id> matches hook-id:bench/*.
  await createRole(root, { roleId: 'hook-id:bench/*', role: { scopes: [`queue:create-task:lowest:${QUEUE}`, 'queue:scheduler-id:-'] } });
}

async function insertHooks(core: Core, due: Date): Promise<void> {
  const now = new Date();
  const rows = Array.from({ length: HOOKS }, (_, i) =>
    Object.assign(new Hook(), {
      hookGroupId: 'bench',
      hookId: `h${String(i).padStart(5, '0')}`,
      metadata: { name: `bench hook ${i}`, description: '', owner: 'bench@example.com', emailOnError: false },
      schedule: [cronFor(due)],
      taskTemplate: {
        taskQueueId: QUEUE,
        created: { $fromNow: '0 seconds' },
        deadline: { $fromNow: '1 hour' },
        metadata: { name: 'bench task ${taskId}', description: '', owner: 'bench@example.com', source: 'https://example.com/bench' },
        payload: { command: ['true'], firedBy: '${firedBy}' },
      },
      triggerSchema: { type: 'object', additionalProperties: false },
      triggerTokenHash: null,
      nextScheduledDate: due,
      nextTaskId: slugid.v4(),
      created: now,
      lastModified: now,
    }),
  );
  for (let i = 0; i < rows.length; i += 500) await core.db.getRepository(Hook).insert(rows.slice(i, i + 500) as QueryDeepPartialEntity<Hook>[]);
}

async function run(crons: number): Promise<Record<string, string | number>> {
  const database = await createTestDatabase('mysql');
  const config = testConfig(database);
  const core = await openCore(config, { log: createLogger('silent', 'bench') });
  const processes: Cron[] = [];
  try {
    await prepare(core);
    for (let i = 0; i < crons; i++) processes.push(spawnCron(database.url));
    await Promise.all(processes.map((p) => p.started));
    const due = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    await insertHooks(core, due);
    if (Date.now() >= due.getTime()) throw new Error('inserting the hooks took past their due second; raise the margin');

    const deadline = Date.now() + 600_000;
    for (;;) {
      const [row] = await core.db.query(`SELECT COUNT(*) AS n FROM hook_last_fires WHERE result = 'created'`);
      if (Number(row.n) >= HOOKS) break;
      if (Date.now() > deadline) throw new Error(`only ${row.n} of ${HOOKS} fires created after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const created: { scheduled: Date }[] = await core.db.query(
      `SELECT r.scheduled FROM task_runs r JOIN tasks t ON t.task_id = r.task_id WHERE t.task_queue_id = ?`,
      [QUEUE],
    );
    const [claims] = await core.db.query(`SELECT MAX(fired_at) AS last, COUNT(*) AS n, COUNT(DISTINCT task_id) AS ids FROM hook_last_fires`);
    const [tasks] = await core.db.query(`SELECT COUNT(*) AS n FROM tasks WHERE task_queue_id = ?`, [QUEUE]);
    if (Number(claims.n) !== HOOKS || Number(tasks.n) !== HOOKS || Number(claims.ids) !== HOOKS) {
      throw new Error(`expected ${HOOKS} fires and tasks, got ${claims.n} fires (${claims.ids} taskIds), ${tasks.n} tasks`);
    }
    const after = summarize(created.map((r) => new Date(r.scheduled).getTime() - due.getTime()));
    return {
      'cron processes': crons,
      hooks: HOOKS,
      'last task created': ms(after.max),
      'last fire claimed': ms(new Date(claims.last).getTime() - due.getTime()),
      'first task': ms(after.min),
      'p50 task': ms(after.p50),
      'tasks/s': Math.round((HOOKS * 1000) / after.max),
    };
  } catch (error) {
    for (const p of processes) console.error(p.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(0, 5).join('\n'));
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await core.close();
    await database.drop();
  }
}

async function main(): Promise<void> {
  console.log(await describeSetup());
  console.log(`${HOOKS} hooks due in the same second; time from that second, per number of cron processes:`);
  const rows = [];
  for (const crons of CRONS) rows.push(await run(crons));
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
