/**
 * Worker throughput: trivial tasks (`true`) end to end through 2 real local worker processes —
 * createTaskGraph → the workers claim, run the command in a fresh folder, upload the live log,
 * report completed — on SQLite (what `npm start` uses) and on MariaDB. The workers are started by
 * the provisioner, as cron starts them; the figures are taken once both have registered and run a
 * few tasks, so they leave out start-up.
 * Run: npx tsx bench/worker-throughput/throughput.ts
 * Sizes: BENCH_TASKS (300 per run), BENCH_CAPACITIES (`1,4`: tasks each worker runs at once),
 * BENCH_DATABASES (`sqlite,mysql`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import slugid from 'slugid';
import { Provisioner } from '../../cron/provisioning/provisioner';
import { startTestGateway, type TestGateway } from '../../test/support/gateway';
import { describeSetup, sizeFromEnv } from '../support/env';
import { startBenchGateway } from '../support/gateway';
import { graphqlClient, type GraphqlClient } from '../support/graphql';
import { ms, summarize } from '../support/stats';
import { benchQueue, CREATE_GRAPH, GROUP_COUNTS, trivialTask } from '../support/tasks';

const TASKS = sizeFromEnv('BENCH_TASKS', 300);
const CAPACITIES = (process.env.BENCH_CAPACITIES ?? '1,4').split(',').map(Number);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,mysql').split(',') as ('sqlite' | 'mysql')[];
const WORKERS = 2;
const WARMUP_TASKS = 10;
const BATCH = 50;

const CREATE_POOL = `mutation ($id: String!, $pool: WorkerPoolInput!) { createWorkerPool(workerPoolId: $id, pool: $pool) { workerPoolId } }`;
const RUNNING = `query ($id: String!) { workers(workerPoolId: $id, state: "running") { totalCount } }`;
const RUNS = `query ($ids: [ID!]!) { tasks(taskIds: $ids) { status { state runs { scheduled started resolved } } } }`;

interface RunResult {
  database: string;
  capacity: number;
  tasks: number;
  seconds: number;
  perSecond: number;
  /** started → resolved of each task (a worker's time per task: run, log upload, report), ms. */
  latency: number[];
}

function env(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    LOCAL_WORKERS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-bench-workers-')),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  };
}

async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates `count` tasks in one group (createTaskGraph, 50 at a time) and waits until all completed. */
async function runTasks(client: GraphqlClient, workerPoolId: string, count: number): Promise<{ taskIds: string[]; ms: number }> {
  const taskGroupId = slugid.v4();
  const taskIds = Array.from({ length: count }, () => slugid.v4());
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    const tasks = taskIds.slice(i, i + BATCH).map((taskId) => ({ taskId, task: trivialTask(workerPoolId, { taskGroupId, payload: { command: ['true'], maxRunTime: 60 } }) }));
    await client.request(CREATE_GRAPH, { tasks });
  }
  await until(`${count} tasks completed`, async () => {
    const { counts } = (await client.request<{ taskGroup: { counts: Record<string, number> } }>(GROUP_COUNTS, { g: taskGroupId })).taskGroup;
    if (counts.failed || counts.exception) throw new Error(`tasks did not complete: ${JSON.stringify(counts)}`);
    return counts.completed === count;
  });
  return { taskIds, ms: performance.now() - started };
}

async function run(database: 'sqlite' | 'mysql', capacity: number): Promise<RunResult> {
  const t: TestGateway = database === 'mysql' ? await startBenchGateway(env()) : await startTestGateway('sqlite', { env: env() });
  const provisioner = new Provisioner(t.core, { gatewayUrl: t.url });
  let passes = true;
  const loop = (async () => {
    while (passes) {
      await provisioner.provisionAll();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  try {
    const client = graphqlClient(t.url, t.root);
    const workerPoolId = benchQueue('bench-workers');
    await client.request(CREATE_POOL, {
      id: workerPoolId,
      pool: {
        providerId: 'local',
        config: { minCapacity: WORKERS * capacity, maxCapacity: WORKERS * capacity, launchConfigs: [{ capacityPerInstance: capacity }] },
      },
    });
    await until('both workers registered', async () => (await client.request<{ workers: { totalCount: number } }>(RUNNING, { id: workerPoolId })).workers.totalCount === WORKERS);
    await runTasks(client, workerPoolId, WARMUP_TASKS);
    const measured = await runTasks(client, workerPoolId, TASKS);
    const latency: number[] = [];
    for (let i = 0; i < measured.taskIds.length; i += 1000) {
      const data = await client.request<{ tasks: { status: { runs: { started: string; resolved: string }[] } }[] }>(RUNS, { ids: measured.taskIds.slice(i, i + 1000) });
      for (const task of data.tasks) {
        const runRow = task.status.runs[0];
        latency.push(Date.parse(runRow.resolved) - Date.parse(runRow.started));
      }
    }
    return { database, capacity, tasks: TASKS, seconds: measured.ms / 1000, perSecond: (TASKS * 1000) / measured.ms, latency };
  } finally {
    passes = false;
    await loop;
    await provisioner.close();
    await t.close();
  }
}

async function main(): Promise<void> {
  const setup = DATABASES.includes('mysql') ? await describeSetup() : `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`;
  console.log(`worker throughput: ${TASKS} tasks of \`true\` per run through ${WORKERS} local worker processes, end to end`);
  console.log(setup);
  const rows: Record<string, string | number>[] = [];
  for (const database of DATABASES) {
    for (const capacity of CAPACITIES) {
      const r = await run(database, capacity);
      const s = summarize(r.latency);
      rows.push({
        database: database === 'mysql' ? 'MariaDB' : 'SQLite',
        'tasks per worker at once': capacity,
        tasks: r.tasks,
        seconds: r.seconds.toFixed(1),
        'tasks/s': r.perSecond.toFixed(1),
        'claimed→resolved p50': ms(s.p50),
        p99: ms(s.p99),
      });
    }
  }
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
