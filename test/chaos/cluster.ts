// The chaos run's processes: gateways and cron processes started as the programs users run
// (`node --import tsx gateway/main.ts`, `cron/main.ts`), each writing its output to a file of
// the run (searched afterwards for secret values), each killable with SIGKILL and restartable.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

export interface ProgramOptions {
  name: string;
  entry: string;
  env: Record<string, string>;
  logDir: string;
}

/**
 * One program under a supervisor, as systemd or Kubernetes would run it: whenever it exits
 * (killed, or refusing to start while the database is down) it is started again a second later,
 * until stop(). Every start appends to its log file.
 */
export class Program {
  private child: ChildProcess | undefined;
  private stopped = false;
  starts = 0;

  constructor(readonly options: ProgramOptions) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.starts += 1;
    const log = fs.openSync(path.join(this.options.logDir, `${this.options.name}.log`), 'a');
    fs.writeSync(log, `--- start ${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', this.options.entry], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.options.env },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.child = child;
    child.once('exit', () => {
      if (!this.stopped) setTimeout(() => !this.stopped && this.start(), 1000);
    });
  }

  /** SIGKILL: a crash; the supervisor starts it again. */
  kill(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  /** Stops it for good: SIGTERM (a clean stop) or SIGKILL, and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/** Waits until a gateway's /healthz answers. */
export async function untilHealthy(port: number, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`the gateway on port ${port} did not become healthy within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The pids of worker processes of `workerPoolId` on this machine (Linux /proc). */
export function workerPids(workerPoolId: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.endsWith('workers/main.ts')) && args[args.indexOf('--pool') + 1] === workerPoolId) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
