// What every benchmark reads from the environment, and the setup line it prints with its figures.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import mysql, { type RowDataPacket } from 'mysql2';
import { describeExperiments } from './experiments';

/** The MariaDB/MySQL server the benchmarks make their databases on. */
export const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A positive integer from the environment, e.g. `BENCH_TASKS=2000` for a quick run. */
export function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** One line naming the machine and the database server, so figures are read in context. */
export async function describeSetup(): Promise<string> {
  const url = new URL(MYSQL_URL);
  const conn = mysql.createConnection({ uri: MYSQL_URL }).promise();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT VERSION() AS version, @@innodb_flush_log_at_trx_commit AS flush, @@innodb_buffer_pool_size AS pool`,
    );
    const { version, flush, pool } = rows[0];
    const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
    const experiment = describeExperiments();
    return (
      `node ${process.version}, ${os.cpus().length} × ${cpu}; ` +
      `MariaDB/MySQL ${version} at ${url.host} (innodb_flush_log_at_trx_commit=${flush}, buffer pool ${Math.round(Number(pool) / 2 ** 20)} MiB)` +
      (experiment ? `\n${experiment}` : '')
    );
  } finally {
    await conn.end();
  }
}

/** InnoDB's deadlock counter (server-wide: read it before and after a run, on a quiet server). */
export async function innodbDeadlocks(): Promise<number> {
  const conn = mysql.createConnection({ uri: MYSQL_URL }).promise();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'`);
    return Number(rows[0]?.Value ?? NaN);
  } finally {
    await conn.end();
  }
}

/**
 * CPU time (ms) the local MariaDB/MySQL server has used so far, from /proc; undefined when the
 * server is not a process on this machine. Read before and after a run: unlike throughput, CPU
 * per task hardly moves when other work shares the machine.
 */
export function databaseCpuMs(): number | undefined {
  for (const name of ['mariadbd', 'mysqld']) {
    let pids: string[];
    try {
      pids = execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(/\s+/);
    } catch {
      continue; // not running under this name
    }
    const fields = fs.readFileSync(`/proc/${pids[0]}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  }
  return undefined;
}

/**
 * Waits until the local database server is nearly idle (under 5 % of a core for a second), at
 * most `maxMs`: a run that follows another (a dropped database, InnoDB purging the last run's
 * old row versions) would otherwise pay for it, and it would be whichever side of a comparison
 * came second. Answers how long it waited; at once when the server is not a local process.
 */
export async function untilDatabaseQuiet(maxMs = 30_000): Promise<number> {
  const started = Date.now();
  let quietSince: number | undefined;
  let last = databaseCpuMs();
  if (last === undefined) return 0;
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = databaseCpuMs()!;
    if (now - last <= 250 * 0.05) quietSince ??= Date.now();
    else quietSince = undefined;
    last = now;
    if (quietSince !== undefined && Date.now() - quietSince >= 1000) break;
  }
  return Date.now() - started;
}
