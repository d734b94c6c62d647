// Transactions that behave the same on both databases.
//
// SQLite through TypeORM shares one connection per process, so two overlapping transactions
// would nest into each other; they are queued here instead. Between processes (gateway and cron
// on one file), a transaction that read before writing can get SQLITE_BUSY when another wrote
// meanwhile; it is retried from the start, which is safe because it was rolled back.
import type { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();
const BUSY_RETRIES = 5;

export async function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  if (db.options.type === 'mysql') return withDeadlockRetry(() => db.transaction(work));
  const previous = queues.get(db) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => withBusyRetry(() => db.transaction(work)));
  queues.set(db, run);
  return run;
}

/** InnoDB rolled the transaction back as a deadlock victim (errno 1213): run it again. */
async function withDeadlockRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const errno = (error as { driverError?: { errno?: number } }).driverError?.errno;
      if (errno !== 1213 || tries >= BUSY_RETRIES) throw error;
    }
  }
}

async function withBusyRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (!code?.startsWith('SQLITE_BUSY') || tries >= BUSY_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * tries * Math.random() + 5));
    }
  }
}

/**
 * Find options that lock the rows read until the transaction ends: SELECT … FOR UPDATE on
 * MySQL; nothing on SQLite, where the transaction already holds the single write lock.
 */
export function forUpdate(tx: EntityManager): { lock?: { mode: 'pessimistic_write' } } {
  return tx.connection.options.type === 'mysql' ? { lock: { mode: 'pessimistic_write' } } : {};
}
