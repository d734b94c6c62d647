// Support for the worker-pool end-to-end tests: real cron processes, and the check that no worker
// process outlives its test.
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { CREDENTIALS_KEY, type TestGateway } from '../support/gateway';

/** Every local worker recorded in the database has ended (its pid no longer runs it). */
export async function expectWorkerProcessesGone(t: TestGateway): Promise<void> {
  const rows: { worker_id: string; state: string; provider_data: string | Record<string, unknown> }[] = await t.core.db.query(
    'SELECT worker_id, state, provider_data FROM workers',
  );
  const alive = rows.filter((row) => {
    const data = typeof row.provider_data === 'string' ? JSON.parse(row.provider_data) : row.provider_data;
    return typeof data.pid === 'number' && runs(data.pid, row.worker_id);
  });
  expect(alive.map((row) => row.worker_id), 'worker processes left running').toEqual([]);
  expect(rows.filter((row) => row.state !== 'stopped').map((row) => `${row.worker_id}: ${row.state}`), 'workers not stopped').toEqual([]);
}

function runs(pid: number, workerId: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workerId);
  } catch {
    return false;
  }
}

export interface CronChild {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const crons = new Set<ChildProcess>();

/**
 * A cron process for `t`'s database and gateway, as the pool tests run it: a data folder and
 * secrets key of its own, provisioning every second, logging warnings, its workers talking to `t`;
 * `env` adds to it (the local workers' env) or changes the last two (LOG_LEVEL, GATEWAY_URL).
 */
export function spawnPoolCron(t: TestGateway, env: Record<string, string>): CronChild {
  return spawnCron({
    LOG_LEVEL: 'warn',
    GATEWAY_URL: t.url,
    ...env,
    DATABASE_URL: t.database.url,
    CREDENTIALS_KEY,
    SECRETS_KEYS: `test:${crypto.randomBytes(32).toString('base64')}`,
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cron-')),
    PROVISIONING_INTERVAL_SECONDS: '1',
  });
}

/** Starts the real cron program (`cron/main.ts`) with exactly `env` (plus what the test machine needs). */
export function spawnCron(env: Record<string, string>): CronChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cron/main.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  crons.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      crons.delete(child);
      resolve({ code, signal });
    }),
  );
  return { process: child, output: () => out, exited };
}

/** Stops every cron child still running: SIGTERM (they stop their workers), SIGKILL after `ms`. */
export async function stopCrons(ms = 30_000): Promise<void> {
  await Promise.all(
    [...crons].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), ms);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
