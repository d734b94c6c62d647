// Which statements a run issued and how long they took, from inside TypeORM's MySQL query runner.
// Opt-in (BENCH_PROFILE=1): it wraps MysqlQueryRunner.prototype.query, so it sees every statement
// of every command — transactions' START/COMMIT included — with the time until the result came
// back (for statements outside a transaction that includes waiting for a pool connection).
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner.js';
import { ms } from './stats';

interface Entry {
  calls: number;
  totalMs: number;
  example: string;
}

const entries = new Map<string, Entry>();
let installed = false;

export const profiling = process.env.BENCH_PROFILE === '1';

/** Same statement shape whatever the number of ids or rows: `IN (?…)`, `VALUES (?…)×n`. */
export function statementShape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\((?:\s*(?:\?|DEFAULT|NULL)\s*,?)+\)/g, '(?…)')
    .replace(/\(\?…\)(?:, \(\?…\))+/g, '(?…)×n')
    .trim();
}

export function installSqlProfile(): void {
  if (installed) return;
  installed = true;
  const proto = MysqlQueryRunner.prototype as unknown as { query: (...args: unknown[]) => Promise<unknown> };
  const original = proto.query;
  proto.query = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const shape = statementShape(String(args[0]));
      const entry = entries.get(shape) ?? { calls: 0, totalMs: 0, example: String(args[0]) };
      entry.calls += 1;
      entry.totalMs += performance.now() - started;
      entries.set(shape, entry);
    }
  };
}

export function resetSqlProfile(): void {
  entries.clear();
}

/** Prints the statements that took the most time, with calls and share of all statement time. */
export function printSqlProfile(title: string, top = 15, perUnit?: { count: number; unit: string }): void {
  const all = [...entries.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const total = all.reduce((sum, [, e]) => sum + e.totalMs, 0);
  const calls = all.reduce((sum, [, e]) => sum + e.calls, 0);
  console.log(`\n${title}: ${calls.toLocaleString('en-US')} statements, ${ms(total)} summed over connections${perUnit ? ` (${(calls / perUnit.count).toFixed(1)} per ${perUnit.unit})` : ''}`);
  console.table(
    Object.fromEntries(
      all.slice(0, top).map(([shape, e]) => [
        shape.length > 120 ? `${shape.slice(0, 117)}…` : shape,
        { calls: e.calls, total: ms(e.totalMs), mean: ms(e.totalMs / e.calls), share: `${((100 * e.totalMs) / total).toFixed(1)} %` },
      ]),
    ),
  );
}

/** Every distinct statement once, in full, to copy into an SQL baseline. */
export function printStatementExamples(): void {
  for (const [shape, e] of entries) console.log(`-- ${e.calls} ×\n${e.example.length > 2000 ? shape : e.example}\n`);
}
