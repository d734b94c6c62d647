// The real cron program (`cron/main.ts`) as child processes, for the exactly-once tests. Every
// child started here is killed by `killCrons()`, whatever the test did.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CREDENTIALS_KEY } from '../support/gateway';

const REPO = path.resolve(__dirname, '..', '..');
const running = new Set<CronChild>();

export interface CronChild {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (finishes the job in hand) or SIGKILL (a crash), and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `node --import tsx cron/main.ts` on `databaseUrl`, with a data folder of its own. */
export function spawnCron(databaseUrl: string): CronChild {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cron-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cron/main.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, CREDENTIALS_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(cron);
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  const cron: CronChild = {
    process: child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  running.add(cron);
  return cron;
}

export async function killCrons(): Promise<void> {
  await Promise.all([...running].map((cron) => cron.stop('SIGKILL')));
}
