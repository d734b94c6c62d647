// A gateway in this process on a fresh MariaDB database, as the integration tests start one, and
// bare databases with the same schema for SQL baselines. Both drop their database on close.
import 'reflect-metadata';
import path from 'node:path';
import mysql from 'mysql2';
import type { Pool } from 'mysql2/promise';
import { openDatabase } from '../../entities/db/datasource';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases';
import { startTestGateway, type TestGateway } from '../../test/support/gateway';
import { MYSQL_URL } from './env';
import { applyRuntimeExperiments, applySchemaExperiments } from './experiments';

// test/support/databases.ts makes its MySQL databases on the server named here.
process.env.TEST_MYSQL_URL = MYSQL_URL;

/** A gateway (silent logs unless BENCH_LOG_LEVEL, random port) on a fresh database; `close()` stops it and drops the database. */
export async function startBenchGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const t = await startTestGateway('mysql', { env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', ...env } });
  await applySchemaExperiments((sql) => t.core.db.query(sql));
  applyRuntimeExperiments(t.core.db);
  warnIfWrapperUncached();
  return t;
}

export interface BaselineDatabase {
  database: TestDatabase;
  pool: Pool;
  close(): Promise<void>;
}

/**
 * A fresh database migrated to our schema (the same migrations the gateway runs), and a mysql2
 * pool on it sized like the gateway's TypeORM pool (20), for statements issued without TypeORM.
 * `extraSchema` runs after the migrations (a proposed index, say).
 */
export async function openBaselineDatabase(extraSchema: string[] = [], connectionLimit = 20): Promise<BaselineDatabase> {
  const database = await createTestDatabase('mysql');
  if (database.config.kind !== 'mysql') throw new Error('baseline databases are MySQL/MariaDB');
  const migrated = await openDatabase(database.config);
  await applySchemaExperiments((sql) => migrated.query(sql));
  for (const sql of extraSchema) await migrated.query(sql);
  await migrated.destroy();
  const pool = mysql.createPool({ uri: database.config.url, connectionLimit, timezone: 'Z', supportBigNumbers: true, charset: 'utf8mb4' }).promise();
  return {
    database,
    pool,
    async close() {
      await pool.end();
      await database.drop();
    },
  };
}

/**
 * mysql2 requires its promise wrapper on every statement (PoolConnection#promise). Node answers
 * that require from a per-caller cache only if mysql2's pool connection was the module that first
 * loaded the wrapper, as in a deployed gateway; had a helper imported 'mysql2/promise' before the
 * gateway's first statement, each statement would pay a full module resolution (~10–30 µs under
 * tsx, ~3 % of the gateway's CPU in bench/queue-throughput). The helpers use mysql2's callback API
 * with `.promise()` per connection for that reason; this says when the order was broken again.
 */
function warnIfWrapperUncached(): void {
  const modules = Object.values(require.cache);
  const wrapper = modules.find((m) => m?.filename.endsWith(path.join('mysql2', 'lib', 'promise', 'pool_connection.js')));
  if (wrapper && !wrapper.parent?.filename.endsWith(path.join('mysql2', 'lib', 'pool_connection.js'))) {
    console.warn(`warning: mysql2's promise wrapper was first loaded by ${wrapper.parent?.filename ?? 'an unknown module'}: every statement of the gateway pays an uncached require, which a deployed gateway does not`);
  }
}
