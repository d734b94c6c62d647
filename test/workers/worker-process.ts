// Real worker processes (`node --import tsx workers/main.ts`) against a test gateway, and the
// helpers the worker tests share: a client a worker can claim with, tasks for its pool, waiting
// for a state, reading the live log. Every worker started here is killed by killWorkers(), and
// every task process group a test recorded by killOrphans(), whatever the test did.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClient, type MadeClient } from '../support/factories';
import type { TestGateway } from '../support/gateway';
import { createTask, sleep, status } from '../support/tasks';

const REPO = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  process: ChildProcess;
  workerId: string;
  workDir: string;
  /** The worker's log so far (pino JSON lines), for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const workers = new Set<WorkerProcess>();
const orphans = new Set<number>();
let counter = 0;

/** A client with what a worker of `pool` needs: claim work there as any worker of group `local`. */
export function makeWorkerClient(t: TestGateway, pool: string, group = 'local'): Promise<MadeClient> {
  return makeClient(t, { scopes: [`queue:claim-work:${pool}`, `queue:worker-id:${group}/*`] });
}

export interface SpawnWorkerOptions {
  pool: string;
  client: MadeClient;
  /** The gateway URL the worker talks to (default: the test gateway's). */
  url?: string;
  workerId?: string;
  capacity?: number;
  env?: Record<string, string>;
}

export function spawnWorker(t: TestGateway, options: SpawnWorkerOptions): WorkerProcess {
  counter += 1;
  const workerId = options.workerId ?? `test-worker-${process.pid}-${counter}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-worker-test-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--pool', options.pool, '--worker-id', workerId], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TASKGATE_GATEWAY_URL: options.url ?? t.url,
      TASKGATE_CLIENT_ID: options.client.clientId,
      TASKGATE_ACCESS_TOKEN: options.client.accessToken,
      TASKGATE_WORK_DIR: workDir,
      TASKGATE_CAPACITY: String(options.capacity ?? 1),
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: string) => (out = (out + chunk).slice(-200_000));
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const worker: WorkerProcess = {
    process: child,
    workerId,
    workDir,
    output: () => out,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        workers.delete(worker);
        fs.rmSync(workDir, { recursive: true, force: true });
        resolve({ code, signal });
      });
    }),
  };
  workers.add(worker);
  return worker;
}

/** SIGKILLs every worker still running and waits for each to be gone; then kills recorded task groups. */
export async function killWorkers(): Promise<void> {
  await Promise.all(
    [...workers].map((worker) => {
      if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
      return worker.exited;
    }),
  );
  killOrphans();
}

/** Records a task's process group, to kill if its worker died without doing so. */
export function recordGroup(pgid: number): void {
  orphans.add(pgid);
}

export function killOrphans(): void {
  for (const pgid of orphans) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  orphans.clear();
}

/**
 * Whether a process is alive. A killed process stays a zombie until its parent reaps it — for an
 * orphan, PID 1, which on a busy machine (or in a container) may take its time — yet it has run
 * its last instruction, so a zombie does not count (Linux /proc; elsewhere it counts).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(String(pid));
  return !stat || stat.state !== 'Z';
}

/** Whether any process of the group is alive (zombies aside, as processAlive). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const stat = procStat(pid);
    return stat?.pgrp === pgid && stat.state !== 'Z';
  });
}

/** A process's state letter and process group, from /proc/<pid>/stat. */
function procStat(pid: string): { state: string; pgrp: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command (which may hold spaces and parentheses) come: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Creates a task with `payload` on `pool`, as root unless `auth` is given. */
export function createWorkTask(t: TestGateway, pool: string, payload: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return createTask(t, { taskQueueId: pool, payload, ...overrides });
}

/** Polls the task's status until `accept` holds (default: resolved), failing after `ms`. */
export async function waitForTask(t: TestGateway, taskId: string, accept: (status: any) => boolean = (s) => ['completed', 'failed', 'exception'].includes(s.state), ms = 60_000, why = '') {
  const deadline = Date.now() + ms;
  let last: any;
  while (Date.now() < deadline) {
    last = await status(t, taskId);
    if (accept(last)) return last;
    await sleep(100);
  }
  throw new Error(`task ${taskId} did not reach the expected state${why ? ` (${why})` : ''} within ${ms} ms; last status: ${JSON.stringify(last)}`);
}

export const isState = (state: string) => (s: any) => s.state === state;

/** The run's log as served at `/artifacts/<taskId>/<runId>/public/logs/live.log` (anonymously). */
export async function readLog(t: TestGateway, taskId: string, runId = 0): Promise<string> {
  const response = await fetch(`${new URL(t.url).origin}/artifacts/${taskId}/${runId}/public/logs/live.log`);
  if (response.status !== 200) throw new Error(`live.log of ${taskId}/${runId}: HTTP ${response.status} ${await response.text()}`);
  return response.text();
}

/** The task's own lines of a log: without the worker's `[taskgate …]` lines. */
export function taskLines(log: string): string[] {
  return log.split('\n').filter((line) => line !== '' && !line.startsWith('[taskgate '));
}

/** A temporary artifacts folder for a test gateway, as an ARTIFACTS_URL. */
export function tempArtifactsUrl(): { url: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-artifacts-'));
  return { url: `file:${dir}`, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `node -e <script>` as a task command: portable across machines that have node (the tests' own). */
export function nodeCommand(script: string): string[] {
  return [process.execPath, '-e', script];
}
