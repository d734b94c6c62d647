// Proposed fixes tried on a benchmark's own fresh database and its own in-process gateway, before
// anyone changes the product: BENCH_EXPERIMENT=read-committed (comma-separated).
// Off by default; the figures a benchmark prints are the product's as it stands unless its setup
// line names an experiment.
import type { DataSource } from 'typeorm';

type Query = (sql: string) => Promise<unknown>;

// Schema changes to try on the bench's own database; none pending (the DESC claim index this
// once tried is now in the migration).
export const SCHEMA_EXPERIMENTS: Record<string, { about: string; sql: string[] }> = {};

const RUNTIME_EXPERIMENTS: Record<string, string> = {
  // Transactions at READ COMMITTED instead of InnoDB's REPEATABLE READ: no gap locks on scans.
  'read-committed': 'transactions at READ COMMITTED',
};

export const DEADLOCK_RETRIES = 5;

export const experiments = (process.env.BENCH_EXPERIMENT ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

for (const name of experiments) {
  if (!SCHEMA_EXPERIMENTS[name] && !RUNTIME_EXPERIMENTS[name]) {
    throw new Error(`unknown BENCH_EXPERIMENT ${name}; known: ${[...Object.keys(SCHEMA_EXPERIMENTS), ...Object.keys(RUNTIME_EXPERIMENTS)].join(', ')}`);
  }
}

/** Applies the chosen schema experiments to a freshly migrated database. */
export async function applySchemaExperiments(query: Query): Promise<void> {
  for (const name of experiments) for (const sql of SCHEMA_EXPERIMENTS[name]?.sql ?? []) await query(sql);
}

export const experiment = (name: 'read-committed'): boolean => experiments.includes(name);

/** True for InnoDB's deadlock error, whether raw (mysql2) or wrapped (TypeORM's QueryFailedError). */
export function isDeadlock(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return (e?.driverError?.errno ?? e?.errno) === 1213;
}

/** Applies the runtime experiments to a gateway's DataSource: its `transaction` is what inTransaction calls on MySQL. */
export function applyRuntimeExperiments(db: DataSource): void {
  if (!experiment('read-committed')) return;
  const original = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  const isolation = experiment('read-committed') ? ['READ COMMITTED'] : [];
  (db as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    const work = args[args.length - 1];
    for (let attempt = 1; ; attempt++) {
      try {
        return await original(...isolation, work);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
      }
    }
  };
}

/** For the setup line: what differs from the product, if anything. */
export function describeExperiments(): string {
  const about = experiments.map((n) => SCHEMA_EXPERIMENTS[n]?.about ?? RUNTIME_EXPERIMENTS[n]);
  return experiments.length ? `EXPERIMENT (not the product as it stands): ${about.join('; ')}` : '';
}
