// The databases an integration suite runs on: SQLite always, MySQL/MariaDB when TEST_MYSQL_URL
// is set (then it is mandatory: an unreachable server fails the suite). Each call makes a fresh
// database of its own, so test files never see each other's rows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2';
import type { DatabaseConfig } from '../../entities/config';

export type DatabaseKind = 'sqlite' | 'mysql';

export const databaseKinds: DatabaseKind[] = process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

export interface TestDatabase {
  config: DatabaseConfig;
  /** The URL form, for DATABASE_URL of child processes. */
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `tg_${crypto.randomBytes(6).toString('hex')}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-test-'));
    const file = path.join(dir, `${name}.sqlite`);
    return {
      config: { kind: 'sqlite', file },
      url: `sqlite:${file}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const server = new URL(process.env.TEST_MYSQL_URL!);
  const admin = mysql.createConnection({ uri: withDatabase(server, '') }).promise();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const url = withDatabase(server, name);
  return {
    config: { kind: 'mysql', url },
    url,
    drop: async () => {
      const conn = mysql.createConnection({ uri: withDatabase(server, '') }).promise();
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

function withDatabase(server: URL, name: string): string {
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  return url.toString();
}
