/**
 * Claim latency: one idle worker long-polls claimWork (tasks: 1) on an empty queue and re-issues
 * it as soon as it returns; tasks are created one at a time. Measured: from createTask returning
 * to the claimWork that returns that task returning, over HTTP on MariaDB.
 * Run: npx tsx bench/claim-latency/long-poll.ts
 * Sizes: BENCH_TASKS (500 tasks, one after another), BENCH_IDLE_MS (20 ms: how long the claimer
 * is left parked in its long poll before each createTask), BENCH_RACE_TASKS (20: tasks created
 * the moment the previous claim returns, i.e. while the next claimWork is still starting).
 * BENCH_EXPERIMENT (bench/support/experiments.ts) tries proposed fixes on the bench's own database.
 */
import slugid from 'slugid';
import { describeSetup, sizeFromEnv } from '../support/env';
import { startBenchGateway } from '../support/gateway';
import { graphqlClient } from '../support/graphql';
import { ms, summarize } from '../support/stats';
import { benchQueue, claimWork, CREATE_TASK, trivialTask } from '../support/tasks';

const TASKS = sizeFromEnv('BENCH_TASKS', 500);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 20);
const RACE_TASKS = Number(process.env.BENCH_RACE_TASKS ?? 20);
const WARMUP = 20;

const sleep = (msecs: number) => new Promise((resolve) => setTimeout(resolve, msecs));

interface Sample {
  /** createTask returned → claimWork returned the task (negative: the claim came back first). */
  afterCreate: number;
  /** createTask sent → claimWork returned the task. */
  afterSend: number;
  create: number;
}

async function main(): Promise<void> {
  console.log(await describeSetup());
  const t = await startBenchGateway();
  const stop = new AbortController();
  try {
    const client = graphqlClient(t.url, t.root);
    const taskQueueId = benchQueue();

    // The claimer: always in a claimWork, noting when each task came back.
    const arrived = new Map<string, number>();
    const waiting = new Map<string, (at: number) => void>();
    let claimCalls = 0;
    let emptyClaims = 0;
    const claimer = (async () => {
      while (!stop.signal.aborted) {
        let runs;
        try {
          runs = await claimWork(client, { taskQueueId, workerId: 'idle-claimer', tasks: 1, signal: stop.signal });
        } catch (error) {
          if (stop.signal.aborted) return;
          throw error;
        }
        const at = performance.now();
        claimCalls += 1;
        if (!runs.length) emptyClaims += 1;
        for (const run of runs) {
          const resolve = waiting.get(run.taskId);
          if (resolve) resolve(at);
          else arrived.set(run.taskId, at);
        }
      }
    })();
    const claimed = (taskId: string) =>
      new Promise<number>((resolve) => {
        const at = arrived.get(taskId);
        if (at !== undefined) resolve(at);
        else waiting.set(taskId, resolve);
      });

    const one = async (idleMs: number): Promise<Sample> => {
      if (idleMs > 0) await sleep(idleMs);
      const taskId = slugid.v4();
      const sent = performance.now();
      await client.request(CREATE_TASK, { taskId, task: trivialTask(taskQueueId) });
      const created = performance.now();
      const at = await claimed(taskId);
      return { afterCreate: at - created, afterSend: at - sent, create: created - sent };
    };

    for (let i = 0; i < WARMUP; i++) await one(IDLE_MS);
    const parked: Sample[] = [];
    for (let i = 0; i < TASKS; i++) parked.push(await one(IDLE_MS));
    const racing: Sample[] = [];
    for (let i = 0; i < RACE_TASKS; i++) racing.push(await one(0));

    stop.abort();
    await claimer;

    const row = (samples: Sample[], pick: (s: Sample) => number) => {
      const s = summarize(samples.map(pick));
      return { samples: s.count, min: ms(s.min), p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max) };
    };
    console.log(
      `${TASKS} tasks created one at a time, the claimer parked ${IDLE_MS} ms in its long poll before each; then ${RACE_TASKS} created as soon as the previous claim returned`,
    );
    console.table({
      'parked claimer: createTask returned → claimWork returned': row(parked, (s) => s.afterCreate),
      'parked claimer: createTask sent → claimWork returned': row(parked, (s) => s.afterSend),
      'createTask round trip': row(parked, (s) => s.create),
      ...(racing.length ? { 'no idle time: createTask returned → claimWork returned': row(racing, (s) => s.afterCreate) } : {}),
    });
    const p = summarize(parked.map((s) => s.afterCreate));
    const lost = racing.filter((s) => s.afterCreate > 1000).length;
    console.log(`claimWork calls ${claimCalls}, of which returned empty (long poll ran out) ${emptyClaims}`);
    console.log(
      `claim latency after createTask, idle long poll, ${TASKS} tasks: p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)} (aim p50 < 5 ms, p99 < 20 ms)` +
        (racing.length ? `; created right after a claim returned: ${lost} of ${racing.length} waited over 1 s` : ''),
    );
  } finally {
    stop.abort();
    await t.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
