// Opens the database named by the config, on SQLite or MySQL/MariaDB, and runs pending migrations.
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, MigrationExecutor } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { ServiceUnavailable } from '../errors';
import { entities } from './entities';
import { migrations } from './migrations';

export function createDataSource(database: DatabaseConfig, options: { forMigrations?: boolean } = {}): DataSource {
  if (database.kind === 'sqlite') {
    if (database.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(database.file)), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      database: database.file,
      entities,
      migrations,
      enableWAL: true,
      // Gateway and cron share the file: wait for the single writer instead of failing at once.
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma('busy_timeout = 10000');
        db.pragma('foreign_keys = ON');
        // Prefix filters must be case-sensitive, as they are on MySQL with binary collation.
        db.pragma('case_sensitive_like = ON');
      },
    });
  }
  return new DataSource({
    type: 'mysql',
    url: database.url,
    entities,
    migrations,
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
    poolSize: options.forMigrations ? 1 : 20,
    // Migrations may legitimately run long (and wait on the migration lock); requests may not.
    enableQueryTimeout: !options.forMigrations && database.queryTimeoutMs !== undefined,
    maxQueryExecutionTime: options.forMigrations ? undefined : database.queryTimeoutMs,
    connectTimeout: 5000,
    // mysql2 would capture a stack trace for every query (3 % of the gateway's CPU under load)
    // only to decorate its errors, which are logged by code and message.
    trace: false,
    // Keep-alive so a dead server is noticed on idle connections, not only on the next query.
    extra: { enableKeepAlive: true, keepAliveInitialDelay: 10_000, idleTimeout: 60_000, maxIdle: 10 },
  });
}

/** Connects and migrates; an unreachable database gives one clear ServiceUnavailable. */
export async function openDatabase(database: DatabaseConfig): Promise<DataSource> {
  // MySQL migrates on a connection of its own without the query timeout; SQLite has no timeout.
  const separate = database.kind === 'mysql';
  const migrating = createDataSource(database, { forMigrations: true });
  await initialize(migrating, database);
  try {
    await runMigrations(migrating);
  } catch (error) {
    await migrating.destroy().catch(() => undefined);
    throw error;
  }
  if (!separate) return migrating;
  await migrating.destroy();
  const dataSource = createDataSource(database);
  await initialize(dataSource, database);
  return dataSource;
}

async function initialize(dataSource: DataSource, database: DatabaseConfig): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new ServiceUnavailable(`Cannot open the database at ${describeDatabase(database)}: ${reason(error)}`);
  }
}

/** SQLite migrations waiting for another process's: 200 ms apart, 30 s in all. */
const SQLITE_MIGRATION_ATTEMPTS = 150;

/**
 * Runs pending migrations once even when several processes start together: MySQL takes a named
 * lock on the migrating connection; on SQLite one wins the single writer and the others retry.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  const mysql = dataSource.options.type === 'mysql';
  try {
    if (mysql) await runner.query(`SELECT GET_LOCK('taskgate_migrations', 120)`);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = mysql ? 'each' : 'all';
    for (let attempt = 1; ; attempt++) {
      try {
        await executor.executePendingMigrations();
        break;
      } catch (error) {
        if (mysql) throw error;
        // SQLite: another process starting on the same file may be migrating it (its
        // transaction holds the writer, or it created the migrations table first). This attempt
        // was rolled back whole; once the other commits, nothing is left to do.
        const pending = await executor.getPendingMigrations().catch(() => undefined);
        if (pending && !pending.length) break;
        if (attempt >= SQLITE_MIGRATION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    if (mysql) await runner.query(`SELECT RELEASE_LOCK('taskgate_migrations')`).catch(() => undefined);
    await runner.release();
  }
}

export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `sqlite:${database.file}`;
  const url = new URL(database.url);
  return `mysql://${url.host}${url.pathname}`;
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (e?.code === 'ER_ACCESS_DENIED_ERROR') return 'access denied (check the user and password)';
  if (e?.code === 'ER_BAD_DB_ERROR') return 'the database does not exist (create it first)';
  return e?.message?.split('\n')[0] ?? String(error);
}
