// The `local` provider: each worker is a real worker process on this machine
// (`node --import tsx workers/main.ts --pool … --worker-group local --worker-id …`), registering
// with the one-time token it finds in its environment. The process runs in a process group of its
// own, so a Ctrl-C meant for cron does not reach it half-way; the provider ends it with SIGTERM
// (the worker resolves its task `worker-shutdown` and exits) and SIGKILL after a grace period.
//
// A worker inherits only the variables named in config (PATH, HOME, …) — never the database URL,
// root token or keys of the cron process — plus the launch config's `env`.
//
// A worker that ends without having resolved its runs (SIGKILL, a crash) is noticed when its
// process closes: what its tasks left running is killed, the worker is `stopped`, and its runs are
// resolved exception/worker-shutdown and retried at once (resolveRunsOfGoneWorker). Each worker
// also holds an IPC channel to this process: if cron dies, the channel closes and the worker
// shuts down as on SIGTERM. A cron started later finds the dead one's workers gone (lost()), or
// still shutting down (orphaned()): those it stops as its own, SIGKILL after the grace period.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Core } from '../../../entities/core';
import { resolveRunsOfGoneWorker } from '../../../entities/queue/commands/worker-gone';
import { moveWorker, newWorkerId, recordPoolError, requestWorker } from '../../../entities/provisioning/lifecycle';
import type { LaunchConfig } from '../../../entities/provisioning/pool-config';
import { Worker } from '../../../entities/provisioning/Worker';
import type { WorkerPool } from '../../../entities/provisioning/WorkerPool';
import { killGroup, killTaskProcesses, parentPid, runsWorker, signal } from './local-processes';
import type { Provider } from './provider';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const WORKER_GROUP = 'local';
const OUTPUT_LINES_KEPT = 20;

export interface LocalProviderOptions {
  /** Which cron process this is: recorded with each worker it starts. */
  owner: string;
  /** The gateway the workers talk to. */
  gatewayUrl: string;
  workersDir: string;
  /** Variables every worker inherits (see config.provisioning.localWorkerEnv). */
  baseEnv: Readonly<Record<string, string>>;
  stopGraceMs: number;
  /** The worker program (default workers/main.ts). */
  entry?: string;
}

interface Child {
  worker: Worker;
  process: ChildProcess;
  /** Resolves once the exit has been recorded. */
  done: Promise<void>;
  output: string[];
  terminated: boolean;
  killTimer?: NodeJS.Timeout;
}

export class LocalProvider implements Provider {
  readonly providerId = 'local';
  private readonly children = new Map<number, Child>();
  /** Workers of another (gone) cron process on this host that were sent SIGTERM, and when. */
  private readonly foreign = new Map<number, number>();
  private closing = false;

  constructor(
    private readonly core: Core,
    private readonly options: LocalProviderOptions,
  ) {}

  /** How many worker processes this provider has running now. */
  get running(): number {
    return this.children.size;
  }

  async launch(pool: WorkerPool, launchConfig: LaunchConfig): Promise<void> {
    if (this.closing) return;
    const workerId = newWorkerId();
    const { worker, registrationToken } = await requestWorker(this.core, {
      workerPoolId: pool.workerPoolId,
      workerGroup: WORKER_GROUP,
      workerId,
      providerId: this.providerId,
      launchConfig,
      config: pool.config,
      providerData: { host: os.hostname(), owner: this.options.owner, cronPid: process.pid },
    });
    const dir = path.resolve(this.options.workersDir, workerId);
    const env: Record<string, string> = {
      ...this.options.baseEnv,
      LOG_LEVEL: this.core.config.logLevel,
      TASKGATE_GATEWAY_URL: this.options.gatewayUrl,
      TASKGATE_WORK_DIR: path.join(dir, 'work'),
      TASKGATE_CACHE_DIR: path.join(dir, 'caches'),
      TASKGATE_CAPACITY: String(launchConfig.capacityPerInstance),
      ...launchConfig.env,
      // Last, so a launch config cannot replace it.
      TASKGATE_REGISTRATION_TOKEN: registrationToken,
    };
    const args = ['--import', 'tsx', this.options.entry ?? path.join(REPO, 'workers', 'main.ts')];
    args.push('--pool', pool.workerPoolId, '--worker-group', WORKER_GROUP, '--worker-id', workerId);

    let child: ChildProcess;
    try {
      fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'caches'), { recursive: true });
      // The 'ipc' channel is how the worker learns that this process died (see workers/main.ts).
      child = spawn(process.execPath, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      child.channel?.unref();
    } catch (error) {
      await this.launchFailed(worker, `could not start the worker process: ${(error as Error).message}`);
      return;
    }
    const entry: Child = { worker, process: child, done: Promise.resolve(), output: [], terminated: false };
    const log = this.core.log.child({ workerPoolId: pool.workerPoolId, workerId });
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        entry.output.push(line);
        if (entry.output.length > OUTPUT_LINES_KEPT) entry.output.shift();
        log.debug({ line }, 'worker output');
      });
    }
    // Listening before anything is awaited, so an exit at once is not missed.
    entry.done = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        void this.exited(entry, code, signal, dir).finally(resolve);
      });
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (error) => resolve(error));
    });
    if (spawned) {
      // Recorded now; a 'close' that may follow finds the worker stopped already.
      await this.launchFailed(worker, `could not start the worker process: ${spawned.message}`, entry.output);
      return;
    }
    this.children.set(worker.id, entry);
    worker.providerData = { ...worker.providerData, pid: child.pid };
    await this.core.db.getRepository(Worker).update({ id: worker.id }, { providerData: worker.providerData });
    log.info({ pid: child.pid, launchConfigId: launchConfig.launchConfigId }, 'local worker started');
  }

  async stop(worker: Worker): Promise<boolean> {
    const child = this.children.get(worker.id);
    if (child) {
      this.terminate(child);
      return false;
    }
    return this.stopForeign(worker);
  }

  /**
   * Whether a worker of this host that no process here watches (its cron process died) has
   * ended: its recorded pid no longer runs it. Not yet knowing the pid is not being gone.
   */
  lost(worker: Worker): boolean {
    const pid = this.unwatchedPid(worker);
    return pid !== undefined && !runsWorker(pid, worker.workerId);
  }

  /**
   * Whether a worker of this host outlived the cron process that started it (its parent is no
   * longer that process). Such a worker is shutting down: it claims nothing more, so it must not
   * count as capacity for however long its shutdown takes.
   */
  orphaned(worker: Worker): boolean {
    const pid = this.unwatchedPid(worker);
    const { cronPid } = worker.providerData;
    return pid !== undefined && !!cronPid && runsWorker(pid, worker.workerId) && parentPid(pid) !== cronPid;
  }

  /** The recorded pid of a worker of this host that no process here watches (started by another cron process). */
  private unwatchedPid(worker: Worker): number | undefined {
    const { pid, host } = worker.providerData;
    return !this.children.has(worker.id) && pid && host === os.hostname() ? pid : undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.children.values()];
    for (const child of all) this.terminate(child);
    await Promise.all(all.map((child) => child.done));
  }

  /** SIGTERM once, then SIGKILL to the whole process group after the grace period. */
  private terminate(child: Child): void {
    if (child.terminated) return;
    child.terminated = true;
    try {
      child.process.kill('SIGTERM');
    } catch {
      // Already gone: 'close' records it.
    }
    child.killTimer = setTimeout(() => killGroup(child.process.pid), this.options.stopGraceMs);
  }

  private async exited(child: Child, code: number | null, signal: NodeJS.Signals | null, dir: string): Promise<void> {
    clearTimeout(child.killTimer);
    this.children.delete(child.worker.id);
    const exit = signal ?? `exit code ${code}`;
    const { worker } = child;
    try {
      const row = await this.core.db.getRepository(Worker).findOneBy({ id: worker.id });
      const providerData = { ...(row?.providerData ?? worker.providerData), exit };
      if (row?.state === 'requested') {
        await this.launchFailed(row, `the worker process ended (${exit}) before it registered`, child.output, providerData);
      } else if (row) {
        if (row.state === 'running' && code !== 0) {
          await recordPoolError(this.core, {
            workerPoolId: row.workerPoolId,
            launchConfigId: row.launchConfigId,
            kind: 'worker-exited',
            title: `worker ${row.workerId} ended unexpectedly (${exit})`,
            description: lastOutput(child.output),
            extra: { workerGroup: row.workerGroup, workerId: row.workerId, exit },
          });
        }
        await moveWorker(this.core, row, ['running', 'stopping'], 'stopped', { stopReason: row.stopReason ?? 'exited', providerData });
      }
      this.core.log.info({ workerPoolId: worker.workerPoolId, workerId: worker.workerId, exit }, 'local worker ended');
      // Stopped first: a claim still in flight is refused from now on (recordWorkerActivity), so
      // every run the worker got is visible to the resolve below.
      await this.released(worker);
    } catch (error) {
      this.core.log.error({ err: error, workerId: worker.workerId }, 'could not record the end of a local worker');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  /** What a gone worker held: leftover task processes are killed, then its runs resolved and retried. */
  private async released(worker: Worker): Promise<void> {
    const killed = killTaskProcesses(worker.workerId);
    if (killed.length) this.core.log.warn({ workerId: worker.workerId, pids: killed }, 'killed processes left by the tasks of a gone worker');
    await resolveRunsOfGoneWorker(this.core, worker);
  }

  private async launchFailed(worker: Worker, title: string, output: string[] = [], providerData = worker.providerData): Promise<void> {
    await recordPoolError(this.core, {
      workerPoolId: worker.workerPoolId,
      launchConfigId: worker.launchConfigId,
      kind: 'launch-failed',
      title,
      description: lastOutput(output),
      extra: { workerGroup: worker.workerGroup, workerId: worker.workerId, exit: providerData.exit },
    });
    await moveWorker(this.core, worker, ['requested', 'running', 'stopping'], 'stopped', { stopReason: 'launch-failed', providerData });
    this.core.log.warn({ workerPoolId: worker.workerPoolId, workerId: worker.workerId, launchConfigId: worker.launchConfigId }, title);
  }

  /**
   * A worker started by another cron process (gone now, or its lease lapsed). On this host, and
   * when /proc shows the pid still runs this very worker, it is signalled like our own; on this
   * host and not running, it is gone and its runs are resolved; elsewhere it cannot be reached
   * and counts as gone.
   */
  private async stopForeign(worker: Worker): Promise<boolean> {
    const { pid, host } = worker.providerData;
    if (!pid || host !== os.hostname() || !runsWorker(pid, worker.workerId)) {
      this.foreign.delete(worker.id);
      // Seen gone on this host: what it held is released now. Elsewhere it may still run, and
      // report: its claims lapse instead. (It is `stopping`: a claim in flight is refused.)
      if (pid && host === os.hostname()) {
        await this.released(worker);
        fs.rmSync(path.resolve(this.options.workersDir, worker.workerId), { recursive: true, force: true, maxRetries: 3 });
      }
      return true;
    }
    const since = this.foreign.get(worker.id);
    if (since === undefined) {
      this.foreign.set(worker.id, Date.now());
      signal(pid, 'SIGTERM');
    } else if (Date.now() - since > this.options.stopGraceMs) {
      killGroup(pid);
    }
    return false;
  }
}

function lastOutput(lines: string[]): string {
  return lines.length ? `Last output of the worker:\n${lines.join('\n')}` : 'The worker printed nothing.';
}
