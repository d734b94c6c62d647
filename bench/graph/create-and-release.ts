/**
 * Task graphs: createTaskGraph of 100 builds each with 99 dependent tests (10,000 tasks, one
 * group) over GraphQL HTTP on MariaDB; then workers claim and complete the builds, each
 * completion releasing its 99 tests, and we wait until every test is pending. The same at 10
 * builds (1,000 tasks) to show how the cost grows with the graph.
 * Run: npx tsx bench/graph/create-and-release.ts
 * Sizes: BENCH_BUILDS (100), BENCH_SMALL_BUILDS (10), BENCH_TESTS_PER_BUILD (99), BENCH_WORKERS
 * (4 workers claiming builds, 32 at a time, reporting one at a time). BENCH_PROFILE=1 adds the
 * statements of the large run by summed time; BENCH_EXPERIMENT (bench/support/experiments.ts)
 * tries proposed fixes on the bench's own database.
 * A 10,000-task graph of trivial tasks is a ~3 MB request body; the gateway's default limit is
 * 1 MiB (GRAPHQL_MAX_BODY_BYTES), so this benchmark raises it (and says so).
 */
import slugid from 'slugid';
import { describeSetup, innodbDeadlocks, sizeFromEnv } from '../support/env';
import { startBenchGateway } from '../support/gateway';
import { describeRetries, graphqlClient, type GraphqlClient } from '../support/graphql';
import { installSqlProfile, printSqlProfile, profiling, resetSqlProfile } from '../support/sql-profile';
import { latencyRow, ms, perSecond, ratio } from '../support/stats';
import { benchQueue, claimWork, CREATE_GRAPH, GROUP_COUNTS, reportCompleted, trivialTask } from '../support/tasks';

const BUILDS = sizeFromEnv('BENCH_BUILDS', 100);
const SMALL_BUILDS = sizeFromEnv('BENCH_SMALL_BUILDS', 10);
const TESTS = sizeFromEnv('BENCH_TESTS_PER_BUILD', 99);
const WORKERS = sizeFromEnv('BENCH_WORKERS', 4);
const MAX_BODY_BYTES = 64 * 2 ** 20;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;

interface Counts {
  unscheduled: number;
  pending: number;
  running: number;
  completed: number;
  total: number;
}

interface GraphRun {
  tasks: number;
  bodyBytes: number;
  createMs: number;
  /** From the first claimWork to the last build's reportCompleted returning. */
  buildsMs: number;
  reportMs: number[];
  /** The last build's reportCompleted (the request that released the last tests). */
  lastReportMs: number;
  /** Last reportCompleted returned → taskGroup counts show every test pending. */
  releasedAfterMs: number;
  polls: number;
  final: Counts;
}

function graph(builds: number, buildQueue: string, testQueue: string) {
  const taskGroupId = slugid.v4();
  const tasks: { taskId: string; task: Record<string, unknown> }[] = [];
  for (let b = 0; b < builds; b++) {
    const build = slugid.v4();
    tasks.push({ taskId: build, task: trivialTask(buildQueue, { taskGroupId, metadata: meta(`build ${b}`) }) });
    for (let i = 0; i < TESTS; i++) {
      tasks.push({ taskId: slugid.v4(), task: trivialTask(testQueue, { taskGroupId, dependencies: [build], metadata: meta(`test ${b}/${i}`) }) });
    }
  }
  return { taskGroupId, tasks };
}

function meta(name: string) {
  return { name, description: '', owner: 'bench@example.com', source: 'https://example.com/bench' };
}

async function runGraph(client: GraphqlClient, builds: number): Promise<GraphRun> {
  const buildQueue = benchQueue('builds');
  const testQueue = benchQueue('tests');
  const { taskGroupId, tasks } = graph(builds, buildQueue, testQueue);
  const bodyBytes = Buffer.byteLength(JSON.stringify({ query: CREATE_GRAPH, variables: { tasks } }));

  let started = performance.now();
  const created = await client.request<{ createTaskGraph: { state: string }[] }>(CREATE_GRAPH, { tasks });
  const createMs = performance.now() - started;
  const pending = created.createTaskGraph.filter((s) => s.state === 'pending').length;
  if (pending !== builds) throw new Error(`expected ${builds} pending builds after create, got ${pending}`);

  // Workers claim builds (32 at a time) and complete them one by one; each completion releases
  // 99 tests. Once the last build is completed, the workers still long-polling are cancelled.
  const reportMs: number[] = [];
  const stop = new AbortController();
  let completed = 0;
  let lastReportMs = 0;
  let lastReturned = 0;
  started = performance.now();
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    while (!stop.signal.aborted) {
      let runs;
      try {
        runs = await claimWork(client, { taskQueueId: buildQueue, workerId: `builder-${w}`, tasks: 32, signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted) return;
        throw error;
      }
      for (const run of runs) {
        const t = performance.now();
        const state = await reportCompleted(client, run);
        const now = performance.now();
        if (state !== 'completed') throw new Error(`build ${run.taskId} is ${state} after reportCompleted`);
        reportMs.push(now - t);
        completed += 1;
        if (completed === builds) {
          lastReportMs = now - t;
          lastReturned = now;
          stop.abort();
        }
      }
    }
  });
  const failed = Promise.all(workers).then(
    () => undefined,
    (error) => {
      stop.abort();
      throw error;
    },
  );
  await Promise.race([failed, new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }))]);
  const buildsMs = lastReturned - started;

  // Poll the group's counts until every test is pending.
  let polls = 0;
  let counts: Counts;
  for (;;) {
    polls += 1;
    counts = (await client.request<{ taskGroup: { counts: Counts } }>(GROUP_COUNTS, { g: taskGroupId })).taskGroup.counts;
    if (counts.pending === builds * TESTS) break;
    if (performance.now() - lastReturned > 60_000) throw new Error(`tests not all pending a minute after the last build: ${JSON.stringify(counts)}`);
  }
  const releasedAfterMs = performance.now() - lastReturned;
  await failed;
  if (completed !== builds) throw new Error(`${completed} builds completed of ${builds}`);
  return { tasks: tasks.length, bodyBytes, createMs, buildsMs, reportMs, lastReportMs, releasedAfterMs, polls, final: counts };
}

async function main(): Promise<void> {
  console.log(await describeSetup());
  if (profiling) installSqlProfile();
  const t = await startBenchGateway({ GRAPHQL_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  try {
    // Requests failing with an internal error are sent again (and counted), as a worker would.
    const client = graphqlClient(t.url, t.root, 3);
    const deadlocksBefore = await innodbDeadlocks();
    await runGraph(client, SMALL_BUILDS); // warm-up: schema, resolvers and statement builders compiled
    const small = await runGraph(client, SMALL_BUILDS);
    if (profiling) resetSqlProfile();
    const large = await runGraph(client, BUILDS);
    if (profiling) printSqlProfile(`statements of the ${BUILDS * (TESTS + 1)}-task run (create, claim and complete builds, poll)`, 15, { count: BUILDS, unit: 'build' });

    const sizes = { [`${small.tasks.toLocaleString('en-US')} tasks`]: small, [`${large.tasks.toLocaleString('en-US')} tasks`]: large };
    const metric = (show: (r: GraphRun) => string) => Object.fromEntries(Object.entries(sizes).map(([name, r]) => [name, show(r)]));
    console.log(`builds on one queue, ${TESTS} tests per build on another, one task group per graph; ${WORKERS} workers complete the builds`);
    console.table({
      'createTaskGraph request body': metric((r) => `${(r.bodyBytes / 2 ** 20).toFixed(2)} MiB`),
      createTaskGraph: metric((r) => ms(r.createMs)),
      'create rate': metric((r) => perSecond(r.tasks, r.createMs)),
      'claim+complete all builds': metric((r) => ms(r.buildsMs)),
      'last build: reportCompleted': metric((r) => ms(r.lastReportMs)),
      'then all tests seen pending after': metric((r) => `${ms(r.releasedAfterMs)} (${r.polls} poll${r.polls === 1 ? '' : 's'})`),
    });
    console.table({
      [`reportCompleted of a build (releases ${TESTS}), ${small.tasks.toLocaleString('en-US')}-task graph`]: latencyRow(small.reportMs),
      [`reportCompleted of a build (releases ${TESTS}), ${large.tasks.toLocaleString('en-US')}-task graph`]: latencyRow(large.reportMs),
    });
    const perTask = (r: GraphRun, value: number) => value / r.tasks;
    const createGrowth = perTask(large, large.createMs) / perTask(small, small.createMs);
    const buildsGrowth = perTask(large, large.buildsMs) / perTask(small, small.buildsMs);
    console.table({
      'per-task time, large ÷ small': { createTaskGraph: ratio(createGrowth), 'claim+complete builds (releasing tests)': ratio(buildsGrowth) },
    });
    console.log(`InnoDB deadlocks during the runs ${(await innodbDeadlocks()) - deadlocksBefore}; requests retried after an internal error: ${describeRetries(client)}`);
    if (large.bodyBytes > DEFAULT_MAX_BODY_BYTES) {
      console.log(`note: the ${large.tasks.toLocaleString('en-US')}-task request (${(large.bodyBytes / 2 ** 20).toFixed(2)} MiB) exceeds the default GRAPHQL_MAX_BODY_BYTES of 1 MiB; raised to ${MAX_BODY_BYTES / 2 ** 20} MiB here`);
    }
    console.log(
      `task graph of ${large.tasks.toLocaleString('en-US')} (${BUILDS} builds × ${TESTS} tests): created in ${ms(large.createMs)} (aim < 10 s), ` +
        `builds completed in ${ms(large.buildsMs)}, all tests pending ${ms(large.releasedAfterMs)} after the last build completed; ` +
        `per-task growth ${large.tasks.toLocaleString('en-US')} vs ${small.tasks.toLocaleString('en-US')}: create ×${ratio(createGrowth)}, release ×${ratio(buildsGrowth)} (≤ 1 is linear or better)`,
    );
  } finally {
    await t.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
