// A real gateway on a real port over a fresh database, for integration tests.
import 'reflect-metadata';
import { ensureRootClient } from '../../entities/auth/bootstrap';
import { loadConfig, type Config } from '../../entities/config';
import { openCore, type Core } from '../../entities/core';
import { createLogger } from '../../entities/log';
import { startGateway, type Gateway } from '../../gateway/server';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases';
import { gql, gqlOk, type Auth, type GraphqlResponse } from './graphql';

export const ROOT_TOKEN = 'root-token-for-tests-0123456789abcdef';
export const CREDENTIALS_KEY = 'credentials-key-for-tests-0123456789abcdef';
/** One 32-byte key (id `test`), so test gateways never generate a key file. */
export const SECRETS_KEYS = `test:${Buffer.alloc(32, 7).toString('base64')}`;

export interface TestGateway {
  core: Core;
  gateway: Gateway;
  url: string;
  database: TestDatabase;
  /** `root:<token>`, for the Bearer header. */
  root: string;
  gql: <T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    auth?: Auth,
    headers?: Record<string, string>,
  ) => Promise<GraphqlResponse<T>>;
  ok: <T = Record<string, any>>(query: string, variables?: Record<string, unknown>, auth?: Auth) => Promise<T>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. a second replica); otherwise a fresh one is made and dropped. */
  database?: TestDatabase;
}

export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: database.url,
    ROOT_ACCESS_TOKEN: ROOT_TOKEN,
    CREDENTIALS_KEY,
    SECRETS_KEYS,
    LOG_LEVEL: 'silent',
    GATEWAY_PORT: '0',
    ...env,
  });
}

export async function startTestGateway(kind: DatabaseKind, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase(kind));
  const config = testConfig(database, options.env);
  const core = await openCore(config, { log: createLogger(config.logLevel, 'test') });
  await ensureRootClient(core);
  const gateway = await startGateway(core, { port: 0, host: '127.0.0.1' });
  const url = gateway.url;
  return {
    core,
    gateway,
    url,
    database,
    root: `root:${ROOT_TOKEN}`,
    gql: (query, variables, auth, headers) => gql(url, query, variables, auth, headers),
    ok: (query, variables, auth) => gqlOk(url, query, variables, auth),
    async close() {
      await gateway.close();
      await core.close();
      if (!options.database) await database.drop();
    },
  };
}
