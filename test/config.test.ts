import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../entities/config';

/** The problems `loadConfig(env)` reports, or [] when the env is valid. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('loadConfig', () => {
  it('gives every setting a working default when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      gatewayPort: 4000,
      portalPort: 3000,
      gatewayUrl: 'http://localhost:4000/graphql',
      rootAccessToken: undefined,
      database: { kind: 'sqlite', file: './data/taskgate.sqlite' },
      pubsubUrl: undefined,
      artifactsUrl: 'file:./data/artifacts',
      dataDir: './data',
      credentialsKey: undefined,
      logLevel: 'info',
      limits: { maxDepth: 16, maxCost: 50_000, maxBodyBytes: 8_388_608 },
    });
  });

  it('returns a frozen object, so nothing changes the config after start', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('treats an empty variable like an unset one', () => {
    expect(loadConfig({ GATEWAY_PORT: '', LOG_LEVEL: '', DATABASE_URL: '' })).toMatchObject({
      gatewayPort: 4000,
      logLevel: 'info',
      database: { kind: 'sqlite', file: './data/taskgate.sqlite' },
    });
  });

  it.each([
    [{ GATEWAY_PORT: '8080' }, { gatewayPort: 8080, gatewayUrl: 'http://localhost:8080/graphql' }],
    [{ GATEWAY_PORT: '0' }, { gatewayPort: 0 }],
    [{ PORTAL_PORT: '3100' }, { portalPort: 3100 }],
    [{ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }, { database: { kind: 'sqlite', file: '/tmp/x.sqlite' } }],
    [{ DATABASE_URL: 'mysql://tg:pw@db:3306/taskgate' }, { database: { kind: 'mysql', url: 'mysql://tg:pw@db:3306/taskgate' } }],
    [{ DATABASE_URL: 'mariadb://tg:pw@db:3306/taskgate' }, { database: { kind: 'mysql', url: 'mysql://tg:pw@db:3306/taskgate' } }],
    [{ DATA_DIR: '/var/lib/tg' }, { database: { kind: 'sqlite', file: '/var/lib/tg/taskgate.sqlite' }, artifactsUrl: 'file:/var/lib/tg/artifacts' }],
    [{ PUBSUB_URL: 'redis://cache:6379' }, { pubsubUrl: 'redis://cache:6379' }],
    [{ ARTIFACTS_URL: 's3://bucket/prefix' }, { artifactsUrl: 's3://bucket/prefix' }],
    [{ LOG_LEVEL: 'silent' }, { logLevel: 'silent' }],
    [{ ROOT_ACCESS_TOKEN: 'r'.repeat(22) }, { rootAccessToken: 'r'.repeat(22) }],
    [{ CREDENTIALS_KEY: 'k'.repeat(32) }, { credentialsKey: 'k'.repeat(32) }],
    [{ GRAPHQL_MAX_DEPTH: '20', GRAPHQL_MAX_COST: '100' }, { limits: { maxDepth: 20, maxCost: 100, maxBodyBytes: 8_388_608 } }],
  ])('accepts %j', (env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected);
  });

  it.each([
    ['GATEWAY_PORT', 'abc', 'a whole number from 0 to 65535'],
    ['GATEWAY_PORT', '70000', 'a whole number from 0 to 65535'],
    ['GATEWAY_PORT', '-1', 'a whole number from 0 to 65535'],
    ['GATEWAY_PORT', '80.5', 'a whole number from 0 to 65535'],
    ['PORTAL_PORT', 'http', 'a whole number from 0 to 65535'],
    ['DATABASE_URL', 'postgres://user@db:5432/taskgate', 'sqlite:<file> or mysql://user:pass@host:port/db'],
    ['DATABASE_URL', 'mysql://root@127.0.0.1:3306', 'must name a database'],
    ['DATABASE_URL', 'mysql://root@127.0.0.1:3306/', 'must name a database'],
    ['DATABASE_URL', 'mysql://root@db:port/taskgate', 'not a valid URL'],
    ['DATABASE_URL', 'sqlite:', 'must name a file'],
    ['PUBSUB_URL', 'http://x', 'redis: or rediss:'],
    ['ARTIFACTS_URL', 'ftp://files/x', 'file: or s3:'],
    ['LOG_LEVEL', 'loud', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['ROOT_ACCESS_TOKEN', 'too-short', 'at least 22 characters'],
    ['CREDENTIALS_KEY', 'too-short', 'at least 32 characters'],
    ['GRAPHQL_MAX_DEPTH', '0', 'a whole number from 1 to 100'],
    ['GRAPHQL_MAX_COST', 'lots', 'a whole number from 1 to 10000000'],
    ['GRAPHQL_MAX_BODY_BYTES', '10', 'a whole number from 1024 to 1073741824'],
  ])('refuses %s=%s, naming the variable and what it expects', (name, value, expected) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(expected);
  });

  it('reports every bad value together in one ConfigError', () => {
    const env = { GATEWAY_PORT: 'abc', DATABASE_URL: 'postgres://db/x', PUBSUB_URL: 'http://x', LOG_LEVEL: 'loud', CREDENTIALS_KEY: 'short' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(5);
    for (const name of Object.keys(env)) {
      expect(problems.filter((p) => p.startsWith(name))).toHaveLength(1);
      expect(message).toContain(name);
    }
  });

  it('never echoes a password or a secret in its complaints', () => {
    const problems = problemsOf({
      DATABASE_URL: 'postgres://admin:hunter2-db@db:5432/x',
      PUBSUB_URL: 'http://:hunter2-redis@cache',
      ROOT_ACCESS_TOKEN: 'hunter2-root',
      CREDENTIALS_KEY: 'hunter2-key',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).not.toMatch(/hunter2/);
  });
});

describe('redactConfig', () => {
  const secrets = {
    ROOT_ACCESS_TOKEN: 'root-secret-token-0123456789',
    CREDENTIALS_KEY: 'credentials-secret-key-0123456789abcdef',
    DATABASE_URL: 'mysql://taskgate:db-secret-pw@db:3306/taskgate',
    PUBSUB_URL: 'redis://default:redis-secret-pw@cache:6379',
  };

  it('hides the database password, the root token and the credentials key', () => {
    const printed = JSON.stringify(redactConfig(loadConfig(secrets)));
    for (const secret of ['root-secret-token', 'credentials-secret-key', 'db-secret-pw', 'redis-secret-pw']) {
      expect(printed).not.toContain(secret);
    }
  });

  it('keeps what an operator needs to see: user, host and database', () => {
    const redacted = redactConfig(loadConfig(secrets));
    expect(redacted.database).toEqual({ kind: 'mysql', url: 'mysql://taskgate:***@db:3306/taskgate' });
    expect(redacted.pubsubUrl).toBe('redis://default:***@cache:6379');
    expect(redacted.rootAccessToken).toBe('***');
    expect(redacted.credentialsKey).toBe('***');
    expect(redacted.gatewayPort).toBe(4000);
  });

  it('hides a Redis password given without a user name', () => {
    const redacted = redactConfig(loadConfig({ PUBSUB_URL: 'redis://:only-a-password@cache:6379' }));
    expect(JSON.stringify(redacted)).not.toContain('only-a-password');
    expect(redacted.pubsubUrl).toBe('redis://:***@cache:6379');
  });

  it('leaves unset secrets unset rather than pretending they exist', () => {
    const redacted = redactConfig(loadConfig({}));
    expect(redacted.rootAccessToken).toBeUndefined();
    expect(redacted.credentialsKey).toBeUndefined();
  });
});
