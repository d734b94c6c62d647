/**
 * Queue throughput: trivial tasks through their whole lifecycle (createTaskGraph → claimWork →
 * reportCompleted) over GraphQL HTTP on MariaDB, against a baseline of the same SQL statements
 * issued through mysql2 at the same concurrency (no GraphQL, no HTTP, no TypeORM).
 * Run: npm run bench -- queue-throughput (NODE_ENV and NODE_OPTIONS as the Dockerfile deploys).
 * BENCH_ROUNDS (3) pairs of gateway-then-baseline runs; the ratio printed is their median.
 * Sizes: BENCH_TASKS (20000), BENCH_BATCH (500 per createTaskGraph, no dependencies, one task
 * group per batch), BENCH_CREATORS (2 in parallel), BENCH_WORKERS (8), BENCH_CLAIM (32 per
 * claimWork), BENCH_REPORTERS (unset: a worker reports all it claimed in one reportRuns request;
 * N: one reportCompleted per run with its task credentials, N in flight per worker). BENCH_PROFILE=1 adds the
 * statements that took the gateway's database time; BENCH_SKIP_BASELINE=1 runs the gateway only
 * (for a CPU profile: node --cpu-prof --import tsx bench/queue-throughput/lifecycle.ts).
 * BENCH_EXPERIMENT tries proposed fixes on the bench's own database (see bench/support/experiments.ts).
 * Besides tasks/s it prints CPU per task (this process, and the local database server's): on a
 * shared machine throughput follows the load of others, CPU per task much less.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describeSetup, innodbDeadlocks, sizeFromEnv } from '../support/env';
import { startBenchGateway } from '../support/gateway';
import { type LifecycleResult, type LifecycleSizes } from '../support/lifecycle';
import { countStates, runSqlBaseline, type SqlBaselineResult } from '../support/queue-sql';
import { installSqlProfile, printSqlProfile, printStatementExamples, profiling, resetSqlProfile } from '../support/sql-profile';
import { latencyRow, median, ms, perSecond, ratio } from '../support/stats';
import { benchQueue } from '../support/tasks';
import type { ClientsData } from '../support/queue-clients';

const sizes: LifecycleSizes = {
  tasks: sizeFromEnv('BENCH_TASKS', 20_000),
  batch: sizeFromEnv('BENCH_BATCH', 500),
  creators: sizeFromEnv('BENCH_CREATORS', 2),
  workers: sizeFromEnv('BENCH_WORKERS', 8),
  claim: sizeFromEnv('BENCH_CLAIM', 32),
  // Unset: each worker reports all it claimed in one reportRuns request.
  reporters: process.env.BENCH_REPORTERS ? sizeFromEnv('BENCH_REPORTERS', 4) : 0,
};
const WARMUP_TASKS = 200;
/** Gateway-then-baseline pairs; the ratio printed is their median. */
const ROUNDS = sizeFromEnv('BENCH_ROUNDS', 3);

interface GatewayRun extends SqlBaselineResult {
  retries: string;
  deadlocks: number;
}

async function runGateway(): Promise<GatewayRun> {
  if (profiling) installSqlProfile();
  const t = await startBenchGateway();
  const data: ClientsData = { url: t.url, auth: t.root, sizes, warmupTasks: WARMUP_TASKS };
  // A worker thread does not get tsx's loader from --import: it registers tsx's CommonJS hook itself.
  const entry = JSON.stringify(path.join(__dirname, '../support/queue-clients.ts'));
  const clients = new Worker(`require('tsx/cjs'); require(${entry});`, { eval: true, workerData: data });
  try {
    const taskQueueId = benchQueue();
    let deadlocksBefore = 0;
    const { result, retries } = await new Promise<{ result: LifecycleResult; retries: string }>((resolve, reject) => {
      clients.on('error', reject);
      clients.on('exit', (code) => reject(new Error(`the clients' thread exited (${code}) before its result`)));
      clients.on('message', async (message: 'warm' | { result: LifecycleResult; retries: string } | { error: string }) => {
        if (message === 'warm') {
          if (profiling) resetSqlProfile();
          deadlocksBefore = await innodbDeadlocks();
          clients.postMessage(taskQueueId);
        } else if ('error' in message) reject(new Error(`the clients failed: ${message.error}`));
        else resolve(message);
      });
    });
    const deadlocks = (await innodbDeadlocks()) - deadlocksBefore;
    if (profiling) {
      printSqlProfile('gateway, statements by summed time', 20, { count: sizes.tasks, unit: 'task' });
      if (process.env.BENCH_PRINT_SQL === '1') printStatementExamples();
    }
    return { result, retries, deadlocks, ...(await countStates((sql, params) => t.core.db.query(sql, params), taskQueueId)) };
  } finally {
    await clients.terminate();
    await t.close();
  }
}

async function main(): Promise<void> {
  console.log(await describeSetup());
  console.log(
    `${sizes.tasks.toLocaleString('en-US')} tasks: createTaskGraph batches of ${sizes.batch} (no dependencies, one group per batch), ${sizes.creators} creators in parallel; ` +
      `${sizes.workers} workers claiming ${sizes.claim} at a time, ` +
      (sizes.reporters ? `${sizes.reporters} reportCompleted in flight per worker` : 'each reporting all it claimed in one reportRuns'),
  );
  if (process.env.BENCH_SKIP_BASELINE === '1') {
    const gateway = await runGateway();
    const g = gateway.result;
    console.table(latencyRows('gateway', g));
    console.table({ gateway: cpuColumns(g, sizes.tasks) });
    const problems = check('gateway', sizes.tasks, g, gateway.states, gateway.runs);
    console.log(`gateway: InnoDB deadlocks during the run ${gateway.deadlocks}; requests retried after an internal error: ${gateway.retries}`);
    console.log(`queue throughput (gateway only), ${sizes.tasks.toLocaleString('en-US')} tasks: ${perSecond(sizes.tasks, g.elapsedMs)}; ${problems.length ? `CHECK FAILED: ${problems.join('; ')}` : 'every task completed exactly once'}`);
    if (problems.length) process.exitCode = 1;
    return;
  }

  // Rounds of gateway then baseline: on a shared machine the speed of the moment drifts by tens of
  // percent, and a ratio of two runs made a minute apart carries that drift. Each round's pair is
  // measured back to back; the figure is the median of the rounds' ratios, every round shown.
  const rounds: { gateway: GatewayRun; baseline: SqlBaselineResult; ratio: number }[] = [];
  const problems: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const gateway = await runGateway();
    const baseline = await runSqlBaseline(sizes, { warmupTasks: WARMUP_TASKS });
    const g = gateway.result;
    const b = baseline.result;
    const pairRatio = b.elapsedMs / g.elapsedMs;
    rounds.push({ gateway, baseline, ratio: pairRatio });
    console.log(`round ${round} of ${ROUNDS}: ratio ${ratio(pairRatio)}`);
    console.table({ ...latencyRows('gateway', g), ...latencyRows('baseline', b) });
    console.table({
      gateway: { total: ms(g.elapsedMs), 'all created at': ms(g.createdMs), throughput: perSecond(sizes.tasks, g.elapsedMs), 'empty claims': g.emptyClaims, ...cpuColumns(g, sizes.tasks) },
      'SQL baseline': { total: ms(b.elapsedMs), 'all created at': ms(b.createdMs), throughput: perSecond(sizes.tasks, b.elapsedMs), 'empty claims': b.emptyClaims, ...cpuColumns(b, sizes.tasks) },
    });
    console.log(`gateway: InnoDB deadlocks during the run ${gateway.deadlocks}; requests retried after an internal error: ${gateway.retries}`);
    console.log(`SQL baseline: transactions retried after a deadlock ${baseline.deadlockRetries ?? 0}`);
    console.log(`gateway tasks by state ${JSON.stringify(gateway.states)}, runs by state ${JSON.stringify(gateway.runs)}; baseline tasks ${JSON.stringify(baseline.states)}, runs ${JSON.stringify(baseline.runs)}`);
    problems.push(...check(`round ${round} gateway`, sizes.tasks, g, gateway.states, gateway.runs), ...check(`round ${round} baseline`, sizes.tasks, b, baseline.states, baseline.runs));
  }

  const rates = (pick: (r: (typeof rounds)[number]) => LifecycleResult) => rounds.map((r) => (sizes.tasks * 1000) / pick(r).elapsedMs);
  const deadlocks = rounds.reduce((sum, r) => sum + r.gateway.deadlocks, 0);
  const retried = rounds.some((r) => r.gateway.retries !== 'none');
  console.log(
    `queue throughput, ${sizes.tasks.toLocaleString('en-US')} tasks create→claim→complete, median of ${ROUNDS} rounds: gateway ${perSecondOf(median(rates((r) => r.gateway.result)))}, ` +
      `SQL baseline ${perSecondOf(median(rates((r) => r.baseline.result)))}, ratio ${ratio(median(rounds.map((r) => r.ratio)))} ` +
      `(rounds ${rounds.map((r) => ratio(r.ratio)).join(', ')}; aim ≥ 1,000 tasks/s, ratio ≥ 0.5); ` +
      `${deadlocks} deadlocks (${retried ? 'failed requests retried' : 'no request retried'}); ` +
      (problems.length ? `CHECK FAILED: ${problems.join('; ')}` : 'every task completed exactly once'),
  );
  if (problems.length) process.exitCode = 1;
}

function perSecondOf(rate: number): string {
  return `${Math.round(rate).toLocaleString('en-US')} tasks/s`;
}

/** Request (or transaction) latencies of one run, by step. */
function latencyRows(name: string, r: LifecycleResult): Record<string, Record<string, string | number>> {
  return { [`${name}: create batch`]: latencyRow(r.createMs), [`${name}: claim`]: latencyRow(r.claimMs), [`${name}: reports`]: latencyRow(r.reportMs) };
}

/**
 * CPU per task, which load from others on the machine hardly moves (throughput it does): this
 * process's (the gateway or the baseline, with the bench's clients) and the database server's.
 */
function cpuColumns(r: LifecycleResult, tasks: number): Record<string, string> {
  const perTask = (cpuMs: number) => `${((cpuMs * 1000) / tasks).toFixed(0)} µs`;
  return { 'CPU/task (process)': perTask(r.cpuMs), ...(r.databaseCpuMs !== undefined ? { 'CPU/task (database)': perTask(r.databaseCpuMs) } : {}) };
}

/** Every task completed, with exactly one run, claimed by exactly one worker. */
function check(name: string, total: number, r: LifecycleResult, states: Record<string, number>, runs: Record<string, number>): string[] {
  const problems: string[] = [];
  if (r.completed !== total) problems.push(`${name}: ${r.completed} reports for ${total} tasks`);
  if (r.claimedTwice) problems.push(`${name}: ${r.claimedTwice} tasks claimed twice`);
  if (states.completed !== total || Object.keys(states).length !== 1) problems.push(`${name}: tasks by state ${JSON.stringify(states)}`);
  if (runs.completed !== total || Object.keys(runs).length !== 1) problems.push(`${name}: runs by state ${JSON.stringify(runs)}`);
  return problems;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
