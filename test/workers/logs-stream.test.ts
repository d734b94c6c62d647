// Live logs: the worker streams its task's output, subscribers get the scrollback and then the
// live lines — every line exactly once, in order, whenever they join or rejoin — and the final
// `public/logs/live.log` artifact holds exactly the streamed lines.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { runningTask } from '../support/artifacts';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode, wsClient } from '../support/graphql';
import { report, reportException, sleep, uniqueQueue } from '../support/tasks';
import {
  createWorkTask,
  isState,
  killWorkers,
  makeWorkerClient,
  nodeCommand,
  readLog,
  spawnWorker,
  taskLines,
  tempArtifactsUrl,
  waitForTask,
  type WorkerProcess,
} from './worker-process';

const TASK_LOG = 'subscription ($taskId: ID!, $runId: Int!, $fromLine: Int) { taskLog(taskId: $taskId, runId: $runId, fromLine: $fromLine) { fromLine lines } }';
const APPEND = 'mutation ($t: ID!, $r: Int!, $from: Int!, $lines: [String!]!) { appendTaskLog(taskId: $t, runId: $r, fromLine: $from, lines: $lines) }';

/** Prints `line 0` … `line <n-1>`, one every `ms` milliseconds. */
function printer(n: number, ms: number): string[] {
  return nodeCommand(`let i = 0; const timer = setInterval(() => { console.log('line ' + i); if (++i === ${n}) clearInterval(timer); }, ${ms});`);
}

interface Follower {
  messages: { fromLine: number; lines: string[] }[];
  errors: unknown[];
  /** Every line received, in order. */
  lines(): string[];
  completed: Promise<void>;
  stop(): void;
}

describe.each(databaseKinds)('live logs on %s', (kind) => {
  let t: TestGateway;
  let pool: string;
  let worker: WorkerProcess;
  const artifacts = tempArtifactsUrl();
  const clients: Client[] = [];

  function follow(taskId: string, runId: number, fromLine = 0, auth?: string): Follower {
    const client = wsClient(t.url, auth);
    clients.push(client);
    const follower: Follower = {
      messages: [],
      errors: [],
      lines: () => follower.messages.flatMap((m) => m.lines),
      completed: undefined as unknown as Promise<void>,
      stop: () => undefined,
    };
    follower.completed = new Promise<void>((resolve, reject) => {
      follower.stop = client.subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
        { query: TASK_LOG, variables: { taskId, runId, fromLine } },
        {
          next: (value) => {
            if (value.errors) follower.errors.push(...value.errors);
            if (value.data) follower.messages.push(value.data.taskLog);
          },
          error: (error) => {
            follower.errors.push(error);
            reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
          },
          complete: () => resolve(),
        },
      );
    });
    follower.completed.catch(() => undefined);
    return follower;
  }

  /** Each message starts where the previous one ended: no gap, no duplicate. */
  function expectContiguous(follower: Follower, fromLine = 0) {
    let next = fromLine;
    for (const message of follower.messages) {
      expect(message.fromLine).toBe(next);
      expect(message.lines.length).toBeGreaterThan(0);
      next += message.lines.length;
    }
  }

  async function untilLines(follower: Follower, count: number, what: string) {
    const deadline = Date.now() + 30_000;
    while (taskLines(follower.lines().join('\n')).length < count) {
      if (Date.now() > deadline) throw new Error(`${what}: only ${follower.lines().length} lines; errors ${JSON.stringify(follower.errors)}\n${worker.output().slice(-3000)}`);
      await sleep(20);
    }
  }

  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url } });
    pool = uniqueQueue();
    worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await killWorkers();
    await t?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  it('gives a subscriber that joins mid-run every line exactly once, in order, as does the artifact', async () => {
    const expected = Array.from({ length: 300 }, (_, i) => `line ${i}`);
    const task = await createWorkTask(t, pool, { command: printer(300, 10) });
    // Anonymous: the default role reads public/ artifacts, the log among them.
    const early = follow(task.taskId, 0);
    await untilLines(early, 60, 'the early subscriber');
    const late = follow(task.taskId, 0);
    const lateFrom = follow(task.taskId, 0, 25);
    // They joined mid-run: the task had printed only part of its lines.
    expect(taskLines(early.lines().join('\n')).length).toBeLessThan(200);
    await Promise.all([early.completed, late.completed, lateFrom.completed]);
    expect(late.messages.length).toBeGreaterThan(1);

    const artifact = await readLog(t, task.taskId);
    for (const follower of [early, late]) {
      expect(follower.errors).toEqual([]);
      expectContiguous(follower);
      expect(follower.lines().map((l) => `${l}\n`).join('')).toBe(artifact);
      expect(taskLines(follower.lines().join('\n'))).toEqual(expected);
    }
    expectContiguous(lateFrom, 25);
    expect(lateFrom.lines()).toEqual(artifact.split('\n').slice(25, -1));
    expect((await waitForTask(t, task.taskId)).state).toBe('completed');
  });

  it('lets a subscriber that reconnects with fromLine carry on with no gap and no duplicate', async () => {
    const task = await createWorkTask(t, pool, { command: printer(200, 10) });
    const first = follow(task.taskId, 0);
    await untilLines(first, 40, 'before reconnecting');
    first.stop();
    const received = first.lines();
    const again = follow(task.taskId, 0, received.length);
    await again.completed;
    expectContiguous(again, received.length);
    const whole = [...received, ...again.lines()];
    expect(whole.map((l) => `${l}\n`).join('')).toBe(await readLog(t, task.taskId));
    expect(taskLines(whole.join('\n'))).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
  });

  it('serves the lines so far under the artifact’s name while the run is running, then the artifact', async () => {
    const task = await createWorkTask(t, pool, { command: ['sh', '-c', 'echo first; sleep 3; echo second'] });
    const deadline = Date.now() + 30_000;
    let during = '';
    while (!during.includes('first\n')) {
      if (Date.now() > deadline) throw new Error(`no live log: ${during}\n${worker.output().slice(-3000)}`);
      const response = await fetch(`${new URL(t.url).origin}/artifacts/${task.taskId}/latest/public/logs/live.log`);
      if (response.status === 200) {
        expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('no-store');
        during = await response.text();
      } else await response.text();
      await sleep(50);
    }
    expect(taskLines(during)).toEqual(['first']);
    await waitForTask(t, task.taskId, isState('completed'));
    const after = await fetch(`${new URL(t.url).origin}/artifacts/${task.taskId}/0/public/logs/live.log`);
    expect(after.headers.get('cache-control')).toBeNull();
    const text = await after.text();
    expect(text.startsWith(during)).toBe(true);
    expect(taskLines(text)).toEqual(['first', 'second']);
  });

  it('completes at once for a resolved run, after sending the whole log', async () => {
    const task = await createWorkTask(t, pool, { command: ['sh', '-c', 'echo a; echo b'] });
    await waitForTask(t, task.taskId, isState('completed'));
    const follower = follow(task.taskId, 0);
    await follower.completed;
    expect(taskLines(follower.lines().join('\n'))).toEqual(['a', 'b']);
    const tail = follow(task.taskId, 0, 1_000_000);
    await tail.completed;
    expect(tail.messages).toEqual([]);
  });

  it('appends idempotently by line number, refuses gaps, and closes the log when the run resolves', async () => {
    const run = await runningTask(t);
    const append = (from: number, lines: string[], auth = run.auth) => t.gql(APPEND, { t: run.taskId, r: run.runId, from, lines }, auth);
    const follower = follow(run.taskId, run.runId);
    expect((await append(0, ['a', 'b'])).data).toEqual({ appendTaskLog: 2 });
    expect((await append(0, ['a', 'b'])).data).toEqual({ appendTaskLog: 2 });
    expect((await append(1, ['b', 'c'])).data).toEqual({ appendTaskLog: 3 });
    const gap = await append(5, ['f']);
    expect(errorCode(gap)).toBe('BAD_USER_INPUT');
    expect(gap.errors![0].extensions!.details).toMatchObject({ lineCount: 3 });
    expect(errorCode(await append(3, ['two\nlines']))).toBe('BAD_USER_INPUT');
    expect(errorCode(await append(3, ['d'], (await makeClient(t)).auth))).toBe('INSUFFICIENT_SCOPES');
    expect((await append(3, ['d', ''])).data).toEqual({ appendTaskLog: 5 });

    await report(t, 'reportCompleted', run.taskId, run.runId, run.auth);
    expect(errorCode(await append(5, ['late']))).toBe('CONFLICT');
    await follower.completed;
    expectContiguous(follower);
    expect(follower.lines()).toEqual(['a', 'b', 'c', 'd', '']);
  });

  it('gives a run that ended before printing anything an empty log, over taskLog and HTTP alike', async () => {
    const run = await runningTask(t);
    expect((await reportException(t, run.taskId, run.runId, 'worker-shutdown', run.auth)).errors).toBeUndefined();
    const follower = follow(run.taskId, run.runId);
    await follower.completed;
    expect(follower.messages).toEqual([]);
    const response = await fetch(`${new URL(t.url).origin}/artifacts/${run.taskId}/${run.runId}/public/logs/live.log`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers NOT_FOUND for a run that does not exist', async () => {
    const run = await runningTask(t);
    const follower = follow(run.taskId, 7);
    await follower.completed.catch(() => undefined);
    await sleep(0);
    const errors = follower.errors as { extensions?: { code?: string } }[][];
    expect(errors.flat()[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(follower.messages).toEqual([]);
  });
});
