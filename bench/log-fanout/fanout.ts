// bench/log-fanout: one running task printing 100 lines/s, N subscribers to its live log on one
// gateway process, over real WebSockets. Prints, per N:
//   - the latency from the task's write (a timestamp embedded in each line) to each subscriber,
//     p50/p99/max over every line × every subscriber written in a 15 s window, and lines lost or
//     duplicated;
//   - the gateway's CPU, in all and per message sent;
//   - the gateway's memory per subscriber: RSS with the N subscribers minus RSS before them, over
//     N — at rest (connected, the task quiet) and while the lines stream.
//
//   npx tsx bench/log-fanout/fanout.ts             # N = 1,000 and 5,000
//   BENCH_FANOUT_N=200 npx tsx bench/log-fanout/fanout.ts
//
// Everything runs on this machine: the gateway (gateway/main.ts on SQLite, in-process pub/sub),
// a worker (workers/main.ts), the task, and the subscribers — child processes of up to 2,500
// WebSockets each, speaking graphql-transport-ws directly — so the subscribers' CPU is part of
// the latency measured. The machine's load average is printed with each row: on a shared machine
// it says how much to trust the figures.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { freePort, killChildren, spawnGateway, waitUntilListening, type GatewayChild } from '../../test/gateway/child';
import { createTestDatabase } from '../../test/support/databases';
import { CREDENTIALS_KEY, ROOT_TOKEN, SECRETS_KEYS, type TestGateway } from '../../test/support/gateway';
import { gql, gqlOk } from '../../test/support/graphql';
import { createTask, newTaskId, uniqueQueue } from '../../test/support/tasks';
import { killWorkers, makeWorkerClient, spawnWorker } from '../../test/workers/worker-process';

const TASK_LOG = 'subscription ($t: ID!, $from: Int) { taskLog(taskId: $t, runId: 0, fromLine: $from) { fromLine lines } }';
const PER_PROCESS = 2500;
const CONNECT_BATCH = 100;
const SETTLE_MS = 3000;
const WINDOW_MS = 15_000;
/** Lines written in the window count if they arrive within this after it. */
const TAIL_MS = 3000;
const HISTOGRAM_MS = 30_000;

interface SubscriberReport {
  histogram: number[];
  received: number;
  messages: number;
  gaps: number;
  errors: string[];
}

if (process.env.FANOUT_ROLE === 'subscribers') void subscribers();
else void main();

// ---------------------------------------------------------------- controller

async function main(): Promise<void> {
  const counts = (process.env.BENCH_FANOUT_N ?? '1000,5000').split(',').map(Number);
  console.log(`log fan-out: 1 task printing 100 lines/s, N subscribers on one gateway process (${os.cpus().length} cores, node ${process.version})`);
  const rows: Record<string, string | number>[] = [];
  try {
    for (const n of counts) rows.push(await measure(n));
  } finally {
    await killWorkers();
    await killChildren();
  }
  console.table(rows);
}

async function measure(n: number): Promise<Record<string, string | number>> {
  const database = await createTestDatabase('sqlite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-fanout-'));
  // The task prints while this file exists: the quiet phases measure memory at rest.
  const marker = path.join(dataDir, 'print');
  const gateway = spawnGateway({
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ARTIFACTS_URL: `file:${dataDir}/artifacts`,
    GATEWAY_PORT: String(await freePort()),
    ROOT_ACCESS_TOKEN: ROOT_TOKEN,
    CREDENTIALS_KEY,
    SECRETS_KEYS,
    LOG_LEVEL: 'warn',
    // e.g. BENCH_GATEWAY_NODE_OPTIONS=--import=<a file that starts the inspector's profiler>.
    ...(process.env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS } : {}),
  });
  const clients: ChildProcess[] = [];
  let follower: Client | undefined;
  try {
    await waitUntilListening(gateway);
    const t = gatewayHandle(gateway);
    const pool = uniqueQueue();
    const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool), url: gateway.url, env: { LOG_LEVEL: 'warn' } });
    const taskId = newTaskId();
    fs.writeFileSync(marker, '');
    await createTask(t, { taskQueueId: pool, payload: { command: printer(marker), maxRunTime: 3600 } }, taskId);

    // The controller follows the log itself, to know how far it is.
    let lineCount = 0;
    follower = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    follower.subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
      { query: TASK_LOG, variables: { t: taskId, from: 0 } },
      { next: ({ data }) => data && (lineCount = data.taskLog.fromLine + data.taskLog.lines.length), error: () => undefined, complete: () => undefined },
    );
    await until(() => lineCount > 50, 60_000, `the task's lines to stream (worker: ${worker.output().slice(-2000)})`);
    fs.rmSync(marker);
    await sleep(1000);

    const before = await sampleRss(gateway, 3000);
    const started = Date.now();
    // Subscribers start at the last line so far: each gets it at once, which says it is live.
    for (let left = n; left > 0; left -= PER_PROCESS) {
      const env = { ...process.env, FANOUT_ROLE: 'subscribers', FANOUT_URL: gateway.url, FANOUT_TASK: taskId, FANOUT_FROM: String(lineCount - 1), FANOUT_COUNT: String(Math.min(PER_PROCESS, left)) };
      clients.push(fork(__filename, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    }
    await Promise.all(clients.map((child) => message(child, 'ready', 300_000)));
    const connectMs = Date.now() - started;
    await sleep(SETTLE_MS);
    const atRest = await sampleRss(gateway, 3000);

    fs.writeFileSync(marker, '');
    await sleep(SETTLE_MS);
    const windowStart = Date.now();
    clients.forEach((child) => child.send({ type: 'window', start: windowStart, end: windowStart + WINDOW_MS }));
    // With BENCH_PROFILE, SIGUSR2 marks the window for a profiler loaded through BENCH_GATEWAY_NODE_OPTIONS.
    if (process.env.BENCH_PROFILE) gateway.process.kill('SIGUSR2');
    const cpuBefore = cpuTime(gateway.process);
    const clientsCpuBefore = clients.reduce((sum, child) => sum + cpuTime(child), 0);
    const streaming = await sampleRss(gateway, WINDOW_MS);
    const cpuMs = cpuTime(gateway.process) - cpuBefore;
    const clientsCpuMs = clients.reduce((sum, child) => sum + cpuTime(child), 0) - clientsCpuBefore;
    if (process.env.BENCH_PROFILE) gateway.process.kill('SIGUSR2');
    await sleep(TAIL_MS);
    clients.forEach((child) => child.send({ type: 'report' }));
    const reports = (await Promise.all(clients.map((child) => message(child, 'report', 60_000)))) as unknown as SubscriberReport[];

    const histogram = new Array<number>(HISTOGRAM_MS + 1).fill(0);
    let received = 0;
    let messages = 0;
    let gaps = 0;
    const errors: string[] = [];
    for (const report of reports) {
      report.histogram.forEach((count, ms) => (histogram[ms] += count));
      received += report.received;
      messages += report.messages;
      gaps += report.gaps;
      errors.push(...report.errors);
    }
    const expected = Math.round((WINDOW_MS / 1000) * 100) * n;
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    const row = {
      subscribers: n,
      'connect all': `${(connectMs / 1000).toFixed(1)} s`,
      'latency p50': `${percentile(histogram, 0.5)} ms`,
      p99: `${percentile(histogram, 0.99)} ms`,
      max: `${percentile(histogram, 1)} ms`,
      'lines received': `${received.toLocaleString('en-US')} of ~${expected.toLocaleString('en-US')}`,
      'gaps or dups': gaps,
      'messages/s': Math.round(messages / (WINDOW_MS / 1000)),
      'gateway CPU': `${((cpuMs / WINDOW_MS) * 100).toFixed(0)} %`,
      'CPU per message': `${((cpuMs * 1000) / Math.max(1, messages)).toFixed(0)} µs`,
      'subscribers CPU': `${((clientsCpuMs / WINDOW_MS) * 100).toFixed(0)} %`,
      'RSS before': `${(before / 1024 / 1024).toFixed(0)} MiB`,
      'per subscriber at rest': kib((atRest - before) / n),
      'per subscriber streaming': kib((streaming - before) / n),
      load: os.loadavg()[0].toFixed(1),
    };
    if (errors.length) console.log(`errors (${errors.length}): ${[...new Set(errors)].slice(0, 5).join('; ')}`);
    console.log(JSON.stringify(row));
    return row;
  } finally {
    clients.forEach((child) => child.connected && child.send({ type: 'exit' }));
    await Promise.all(clients.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    await follower?.dispose();
    await killWorkers();
    // A clean stop, so that whatever the gateway writes on exit is written.
    gateway.process.kill('SIGTERM');
    await Promise.race([gateway.exited, sleep(15_000)]);
    await killChildren();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `<epoch ms> <seq>`, 100 lines a second while `marker` exists, paced by the clock (not by drifting timers). */
function printer(marker: string): string[] {
  return [
    process.execPath,
    '-e',
    `const fs = require('fs'); let next = Date.now(), i = 0;
     setInterval(() => {
       const now = Date.now();
       if (!fs.existsSync(${JSON.stringify(marker)})) return void (next = now);
       while (next <= now) { console.log(Date.now() + ' ' + i++); next += 10; }
     }, 2);`,
  ];
}

function gatewayHandle(gateway: GatewayChild): TestGateway {
  const url = gateway.url;
  const root = `root:${ROOT_TOKEN}`;
  return {
    url,
    root,
    gql: (query, variables, auth, headers) => gql(url, query, variables, auth, headers),
    ok: (query, variables, auth) => gqlOk(url, query, variables, auth ?? root),
  } as TestGateway;
}

/** The median of the gateway's RSS sampled every 250 ms for `ms`. */
async function sampleRss(gateway: GatewayChild, ms: number): Promise<number> {
  const samples: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${gateway.process.pid}/status`, 'utf8'));
    samples.push(Number(match![1]) * 1024);
    await sleep(250);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** User + system CPU time of a process so far, in ms (Linux clock ticks of 10 ms). */
function cpuTime(process: { pid?: number }): number {
  const fields = fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(histogram: number[], q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms];
    if (seen >= rank) return ms;
  }
  return NaN;
}

function message(child: ChildProcess, type: string, ms: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} from a subscriber process within ${ms} ms`)), ms);
    const onMessage = (m: Record<string, unknown>) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a subscriber process exited (${code}) before ${type}`));
    });
  });
}

// ---------------------------------------------------------------- subscriber processes

async function subscribers(): Promise<void> {
  const url = process.env.FANOUT_URL!.replace(/^http/, 'ws');
  const taskId = process.env.FANOUT_TASK!;
  const fromLine = Number(process.env.FANOUT_FROM);
  const count = Number(process.env.FANOUT_COUNT);
  const histogram = new Array<number>(HISTOGRAM_MS + 1).fill(0);
  let window = { start: Infinity, end: -Infinity };
  let received = 0;
  let messages = 0;
  let gaps = 0;
  const errors: string[] = [];
  const sockets: WebSocket[] = [];
  let exiting = false;

  /**
   * One subscriber: a WebSocket speaking graphql-transport-ws directly (connection_init,
   * subscribe, next…), as lean as a client can be, so that the subscribers' CPU — on the same
   * cores as the gateway — distorts the latency as little as possible.
   */
  function subscribe(): Promise<void> {
    return new Promise((live) => {
      // JSON.parse checks the text; ws's own UTF-8 check would only add CPU beside the gateway.
      const socket = new WebSocket(url, 'graphql-transport-ws', { skipUTF8Validation: true, perMessageDeflate: false });
      sockets.push(socket);
      let next = fromLine;
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('error', (error) => {
        errors.push(error.message);
        live();
      });
      socket.on('close', (code, reason) => {
        if (!exiting) errors.push(`closed ${code} ${reason.toString()}`);
        live();
      });
      socket.on('message', (data) => {
        const now = Date.now();
        const message = JSON.parse(data.toString());
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: TASK_LOG, variables: { t: taskId, from: fromLine } } }));
          return;
        }
        if (message.type === 'error') errors.push(JSON.stringify(message.payload));
        if (message.type !== 'next') return;
        live();
        if (message.payload.errors) errors.push(...message.payload.errors.map((e: { message: string }) => e.message));
        const log = message.payload.data?.taskLog as { fromLine: number; lines: string[] } | undefined;
        if (!log) return;
        if (log.fromLine !== next) gaps++;
        next = log.fromLine + log.lines.length;
        const first = Number(log.lines[0]?.slice(0, log.lines[0].indexOf(' ')));
        if (first >= window.start && first < window.end) messages++;
        for (const line of log.lines) {
          const written = Number(line.slice(0, line.indexOf(' ')));
          if (!(written >= window.start && written < window.end)) continue;
          histogram[Math.min(HISTOGRAM_MS, Math.max(0, now - written))]++;
          received++;
        }
      });
    });
  }

  for (let i = 0; i < count; i += CONNECT_BATCH) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => subscribe()));
  }
  process.send!({ type: 'ready' });
  process.on('message', (m: { type: string; start?: number; end?: number }) => {
    if (m.type === 'window') window = { start: m.start!, end: m.end! };
    if (m.type === 'report') process.send!({ type: 'report', histogram, received, messages, gaps, errors: errors.slice(0, 100) });
    if (m.type === 'exit') {
      exiting = true;
      sockets.forEach((socket) => socket.close());
      setTimeout(() => process.exit(0), 200);
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
