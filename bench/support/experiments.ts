// Proposed fixes tried on a benchmark's own fresh database and its own in-process gateway, before
// anyone changes the product: BENCH_EXPERIMENT=claim-index-desc,retry-deadlocks (comma-separated).
// Off by default; the figures a benchmark prints are the product's as it stands unless its setup
// line names an experiment.
import type { DataSource } from 'typeorm';

type Query = (sql: string) => Promise<unknown>;

export const SCHEMA_EXPERIMENTS: Record<string, { about: string; sql: string[] }> = {
  // The claim query orders by priority_rank DESC, pending_since ASC; an all-ascending index
  // cannot give that order, so MariaDB filesorts every pending task of the queue — and under
  // FOR UPDATE locks them all, so a second claimer SKIPs everything and gets nothing.
  'claim-index-desc': {
    about: 'tasks_claim (task_queue_id, state, priority_rank DESC, pending_since)',
    sql: ['ALTER TABLE tasks DROP INDEX tasks_claim, ADD INDEX tasks_claim (task_queue_id, state, priority_rank DESC, pending_since ASC)'],
  },
};

const RUNTIME_EXPERIMENTS: Record<string, string> = {
  // What entities/db/transaction.ts would do on MySQL: run the transaction again from the start
  // when InnoDB picked it as a deadlock victim (errno 1213, "try restarting transaction").
  'retry-deadlocks': 'gateway transactions retried (up to 5 times) on ER_LOCK_DEADLOCK',
  // Transactions at READ COMMITTED instead of InnoDB's REPEATABLE READ: no gap locks on scans.
  'read-committed': 'transactions at READ COMMITTED',
  // Throughput benchmark only: also run the proposed, batched SQL (see queue-sql.ts).
  'batched-sql': 'also the proposed batched SQL',
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

export const experiment = (name: 'retry-deadlocks' | 'read-committed' | 'batched-sql'): boolean => experiments.includes(name);

/** True for InnoDB's deadlock error, whether raw (mysql2) or wrapped (TypeORM's QueryFailedError). */
export function isDeadlock(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return (e?.driverError?.errno ?? e?.errno) === 1213;
}

/** Applies the runtime experiments to a gateway's DataSource: its `transaction` is what inTransaction calls on MySQL. */
export function applyRuntimeExperiments(db: DataSource): void {
  if (!experiment('retry-deadlocks') && !experiment('read-committed')) return;
  const original = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  const isolation = experiment('read-committed') ? ['READ COMMITTED'] : [];
  (db as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    const work = args[args.length - 1];
    for (let attempt = 1; ; attempt++) {
      try {
        return await original(...isolation, work);
      } catch (error) {
        if (!experiment('retry-deadlocks') || !isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
      }
    }
  };
}

/** For the setup line: what differs from the product, if anything. */
export function describeExperiments(): string {
  const about = experiments.map((n) => SCHEMA_EXPERIMENTS[n]?.about ?? RUNTIME_EXPERIMENTS[n]);
  return experiments.length ? `EXPERIMENT (not the product as it stands): ${about.join('; ')}` : '';
}
