// The one place that reads the environment. Every other module receives a Config.
// All problems are collected and reported together, so a bad deployment is fixed in one go.

export interface Config {
  readonly gatewayPort: number;
  readonly portalPort: number;
  /** Public URL of the gateway, used in printed hints and credentials. */
  readonly gatewayUrl: string;
  /** The root client's access token; undefined means "generate one on first start". */
  readonly rootAccessToken: string | undefined;
  readonly database: DatabaseConfig;
  /** `redis://…`, or undefined for in-process pub/sub. */
  readonly pubsubUrl: string | undefined;
  readonly artifactsUrl: string;
  /** Largest artifact upload, in bytes (one S3 PUT takes at most 5 GiB). */
  readonly maxArtifactBytes: number;
  /** Endpoint and keys for `artifactsUrl` = `s3://bucket/prefix`; unused for `file:`. */
  readonly artifactsS3: ArtifactsS3Config;
  /** Folder for the embedded database, generated keys and local artifacts. */
  readonly dataDir: string;
  /** Key that signs temporary credentials; undefined means "generate into dataDir". */
  readonly credentialsKey: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly limits: GraphqlLimits;
  /** How long a claim lasts before it must be reclaimed (Taskcluster: 20 minutes). */
  readonly claimTimeoutMs: number;
  /** How long a gateway may authenticate from a client row it read (0: read it every request). */
  readonly authCacheMs: number;
  /** Keys that encrypt secrets, oldest first: the last encrypts, any decrypts; undefined means "generate into dataDir". */
  readonly secretsKeys: readonly SecretsKey[] | undefined;
  /** Worker pools: how often cron provisions, and how the `local` provider runs worker processes. */
  readonly provisioning: ProvisioningConfig;
}

export interface ProvisioningConfig {
  /** Seconds between provisioning passes (estimate, start and stop workers) in each cron process. */
  readonly intervalSeconds: number;
  /** Where local workers get their working and cache folders (one folder per worker). */
  readonly localWorkersDir: string;
  /** How long a local worker has to exit after SIGTERM before it is killed. */
  readonly localStopGraceMs: number;
  /** The only variables of this process that local workers inherit (never secrets: PATH, HOME, …). */
  readonly localWorkerEnv: Readonly<Record<string, string>>;
}

/** One AES-256 key for secrets, with the id stored beside every value it encrypts. */
export interface SecretsKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface ArtifactsS3Config {
  /** e.g. `http://minio:9000` (path-style); unset means AWS (`https://<bucket>.s3.<region>.amazonaws.com`). */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'mysql';
      readonly url: string;
      /** A statement unanswered this long fails, so a silent server cannot hang requests. */
      readonly queryTimeoutMs?: number;
    };

export interface GraphqlLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
  /** Largest accepted HTTP body, in bytes. */
  readonly maxBodyBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const gatewayPort = read.port('GATEWAY_PORT', 4000);
  const portalPort = read.port('PORTAL_PORT', 3000);
  const dataDir = read.string('DATA_DIR', './data');
  const parsedDatabase = read.database('DATABASE_URL', `sqlite:${dataDir}/taskgate.sqlite`);
  const queryTimeoutMs = read.int('DATABASE_QUERY_TIMEOUT_SECONDS', 30, 1, 3600) * 1000;
  const database: DatabaseConfig = parsedDatabase.kind === 'mysql' ? { ...parsedDatabase, queryTimeoutMs } : parsedDatabase;
  const rootAccessToken = read.optional('ROOT_ACCESS_TOKEN');
  if (rootAccessToken !== undefined && rootAccessToken.length < 22) {
    problems.push('ROOT_ACCESS_TOKEN must be at least 22 characters long (unset it to have one generated)');
  }
  const credentialsKey = read.optional('CREDENTIALS_KEY');
  if (credentialsKey !== undefined && credentialsKey.length < 32) {
    problems.push('CREDENTIALS_KEY must be at least 32 characters long (unset it to have one generated)');
  }
  const pubsubUrl = read.url('PUBSUB_URL', ['redis:', 'rediss:']);
  const artifactsUrl = read.url('ARTIFACTS_URL', ['file:', 's3:']) ?? `file:${dataDir}/artifacts`;
  const maxArtifactBytes = read.int('MAX_ARTIFACT_BYTES', 1_073_741_824, 1, 5_368_709_120);
  const artifactsS3: ArtifactsS3Config = {
    endpoint: read.url('ARTIFACTS_S3_ENDPOINT', ['http:', 'https:']),
    region: read.string('ARTIFACTS_S3_REGION', 'us-east-1'),
    accessKeyId: read.optional('ARTIFACTS_S3_ACCESS_KEY_ID'),
    secretAccessKey: read.optional('ARTIFACTS_S3_SECRET_ACCESS_KEY'),
  };
  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  const gatewayUrl = read.optional('GATEWAY_URL') ?? `http://localhost:${gatewayPort}/graphql`;
  const limits: GraphqlLimits = {
    // 16 lets GraphiQL's introspection query (depth 15) through.
    maxDepth: read.int('GRAPHQL_MAX_DEPTH', 16, 1, 100),
    maxCost: read.int('GRAPHQL_MAX_COST', 50_000, 1, 10_000_000),
    // 8 MiB holds a 10,000-task createTaskGraph of ordinary tasks (about 3.7 MiB).
    maxBodyBytes: read.int('GRAPHQL_MAX_BODY_BYTES', 8_388_608, 1024, 1_073_741_824),
  };

  const claimTimeoutMs = read.int('CLAIM_TIMEOUT_SECONDS', 1200, 1, 86_400) * 1000;
  const authCacheMs = read.int('AUTH_CACHE_SECONDS', 5, 0, 300) * 1000;
  const rawSecretsKeys = read.optional('SECRETS_KEYS');
  const secretsKeys = rawSecretsKeys === undefined ? undefined : parseSecretsKeys(rawSecretsKeys, 'SECRETS_KEYS', problems);

  const provisioning: ProvisioningConfig = {
    intervalSeconds: read.int('PROVISIONING_INTERVAL_SECONDS', 5, 1, 3600),
    localWorkersDir: read.string('LOCAL_WORKERS_DIR', `${dataDir}/workers`),
    localStopGraceMs: read.int('LOCAL_WORKER_STOP_GRACE_SECONDS', 10, 0, 3600) * 1000,
    localWorkerEnv: Object.freeze(
      Object.fromEntries(
        ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'SYSTEMROOT']
          .map((name) => [name, read.optional(name)] as const)
          .filter((entry): entry is readonly [string, string] => entry[1] !== undefined),
      ),
    ),
  };

  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    gatewayPort,
    portalPort,
    gatewayUrl,
    rootAccessToken,
    database,
    pubsubUrl,
    artifactsUrl,
    maxArtifactBytes,
    artifactsS3: Object.freeze(artifactsS3),
    dataDir,
    credentialsKey,
    logLevel,
    limits: Object.freeze(limits),
    claimTimeoutMs,
    authCacheMs,
    secretsKeys,
    provisioning: Object.freeze(provisioning),
  });
}

/** The config as it may be printed: secrets and passwords replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  const database = config.database.kind === 'mysql' ? { kind: 'mysql', url: redactUrl(config.database.url) } : config.database;
  return {
    ...config,
    gatewayUrl: redactUrl(config.gatewayUrl),
    database,
    // A Redis URL carries its password the same way a MySQL URL does.
    pubsubUrl: config.pubsubUrl === undefined ? undefined : redactUrl(config.pubsubUrl),
    artifactsUrl: redactUrl(config.artifactsUrl),
    artifactsS3: { ...config.artifactsS3, secretAccessKey: config.artifactsS3.secretAccessKey ? '***' : undefined },
    rootAccessToken: config.rootAccessToken ? '***' : undefined,
    credentialsKey: config.credentialsKey ? '***' : undefined,
    secretsKeys: config.secretsKeys?.map((k) => ({ id: k.id, key: '***' })),
  };
}

const SECRETS_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `<id>:<base64 key>` entries separated by commas (or whitespace, as in the generated key
 * file), oldest first. Problems name the entry and never echo a key.
 */
export function parseSecretsKeys(raw: string, source: string, problems: string[]): readonly SecretsKey[] {
  const keys: SecretsKey[] = [];
  const entries = raw.split(/[\s,]+/).filter(Boolean);
  if (!entries.length) problems.push(`${source} must list at least one <id>:<base64 key>`);
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at === -1 ? '' : entry.slice(0, at);
    const encoded = at === -1 ? '' : entry.slice(at + 1);
    if (!SECRETS_KEY_ID.test(id)) {
      problems.push(`${source} entry ${i + 1} must be <id>:<base64 key>, the id 1–64 characters of A-Z a-z 0-9 . _ -`);
      return;
    }
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      problems.push(`${source} entry ${i + 1} (id "${id}") must hold a 32-byte key in base64, e.g. from \`openssl rand -base64 32\` (got ${key.length} bytes)`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${source} names key id "${id}" twice; each key needs an id of its own`);
      return;
    }
    keys.push(Object.freeze({ id, key }));
  });
  return Object.freeze(keys);
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, 0, 65535);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    const protocol = /^[a-z0-9+]+:/i.exec(raw)?.[0].toLowerCase();
    if (!protocol || !protocols.includes(protocol)) {
      this.problems.push(`${name} must start with ${protocols.join(' or ')}, got "${redactUrl(raw)}"`);
      return undefined;
    }
    return raw;
  }

  database(name: string, fallback: string): DatabaseConfig {
    const raw = this.optional(name) ?? fallback;
    if (raw.startsWith('sqlite:')) {
      const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (!file) this.problems.push(`${name} must name a file, e.g. sqlite:./data/taskgate.sqlite`);
      return { kind: 'sqlite', file };
    }
    if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
      try {
        const url = new URL(raw.replace(/^mariadb:/, 'mysql:'));
        if (url.pathname.length < 2) this.problems.push(`${name} must name a database, e.g. mysql://user:pass@host:3306/taskgate`);
        return { kind: 'mysql', url: url.toString() };
      } catch {
        this.problems.push(`${name} is not a valid URL: "${redactUrl(raw)}"`);
      }
    } else {
      this.problems.push(`${name} must be sqlite:<file> or mysql://user:pass@host:port/db, got "${redactUrl(raw)}"`);
    }
    return { kind: 'sqlite', file: './data/taskgate.sqlite' };
  }
}

/** Replaces the password of `scheme://user:password@host…`, also when the user is empty (Redis). */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
