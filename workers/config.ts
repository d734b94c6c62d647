// The worker's configuration: command-line flags and the environment, read once, here only.
// Every problem is reported together and the worker exits before claiming anything.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export type WorkerAuth =
  | { readonly kind: 'client'; readonly clientId: string; readonly accessToken: string }
  | { readonly kind: 'registration'; readonly token: string };

export interface WorkerConfig {
  /** The gateway's GraphQL URL; artifact uploads go to paths on the same origin. */
  readonly gatewayUrl: string;
  readonly auth: WorkerAuth;
  /** Also the task queue it claims from (`<provisionerId>/<workerType>`). */
  readonly workerPoolId: string;
  readonly workerGroup: string;
  readonly workerId: string;
  /** Each task runs in a fresh folder under here. */
  readonly workDir: string;
  /** Caches persist here between tasks. */
  readonly cacheDir: string;
  /** Tasks run at once. */
  readonly capacity: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** What a task's environment starts from: a few harmless variables, never the worker's credentials. */
  readonly taskBaseEnv: Readonly<Record<string, string>>;
}

export class WorkerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkerConfigError';
  }
}

export const USAGE = `usage: npm run worker -- --pool <provisionerId/workerType> [--worker-group <group>] [--worker-id <id>]
environment: TASKGATE_GATEWAY_URL (default http://localhost:4000/graphql),
  TASKGATE_CLIENT_ID + TASKGATE_ACCESS_TOKEN, or TASKGATE_REGISTRATION_TOKEN,
  TASKGATE_WORK_DIR, TASKGATE_CACHE_DIR, TASKGATE_CAPACITY (default 1), LOG_LEVEL (default info)`;

const POOL_ID = /^[a-zA-Z0-9_-]{1,38}\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$/;
const IDENTIFIER = /^[a-zA-Z0-9_-]{1,38}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Passed on to tasks when the worker has them; everything else of the worker's stays with it. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL', 'USER', 'LOGNAME', 'TERM'];

type Env = Record<string, string | undefined>;

export function loadWorkerConfig(argv: string[], env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);
  const get = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const workerPoolId = flags.pool ?? '';
  if (!workerPoolId) problems.push('--pool <provisionerId/workerType> is required');
  else if (!POOL_ID.test(workerPoolId)) problems.push(`--pool must be <provisionerId>/<workerType>, e.g. local/default; got "${workerPoolId}"`);
  const workerGroup = flags['worker-group'] ?? 'local';
  if (!IDENTIFIER.test(workerGroup)) problems.push(`--worker-group must be 1–38 characters of a-z A-Z 0-9 _ -; got "${workerGroup}"`);
  const workerId = flags['worker-id'] ?? `w-${crypto.randomBytes(9).toString('base64url').replace(/[^a-zA-Z0-9]/g, 'x')}`;
  if (!IDENTIFIER.test(workerId)) problems.push(`--worker-id must be 1–38 characters of a-z A-Z 0-9 _ -; got "${workerId}"`);

  const gatewayUrl = get('TASKGATE_GATEWAY_URL') ?? 'http://localhost:4000/graphql';
  try {
    const url = new URL(gatewayUrl);
    if (!['http:', 'https:'].includes(url.protocol)) problems.push(`TASKGATE_GATEWAY_URL must be an http(s) URL; got "${gatewayUrl}"`);
  } catch {
    problems.push(`TASKGATE_GATEWAY_URL is not a URL: "${gatewayUrl}"`);
  }

  const clientId = get('TASKGATE_CLIENT_ID');
  const accessToken = get('TASKGATE_ACCESS_TOKEN');
  const registrationToken = get('TASKGATE_REGISTRATION_TOKEN');
  let auth: WorkerAuth = { kind: 'client', clientId: '', accessToken: '' };
  if (clientId && accessToken && !registrationToken) auth = { kind: 'client', clientId, accessToken };
  else if (registrationToken && !clientId && !accessToken) auth = { kind: 'registration', token: registrationToken };
  else problems.push('set either TASKGATE_CLIENT_ID and TASKGATE_ACCESS_TOKEN (a client), or TASKGATE_REGISTRATION_TOKEN (a registered worker)');

  const workDir = path.resolve(get('TASKGATE_WORK_DIR') ?? path.join(os.tmpdir(), 'taskgate-worker', workerId));
  const cacheDir = path.resolve(get('TASKGATE_CACHE_DIR') ?? path.join(workDir, 'caches'));
  const capacityText = get('TASKGATE_CAPACITY') ?? '1';
  const capacity = Number(capacityText);
  if (!/^\d+$/.test(capacityText) || capacity < 1 || capacity > 32) problems.push(`TASKGATE_CAPACITY must be a whole number from 1 to 32; got "${capacityText}"`);
  const logLevel = (get('LOG_LEVEL') ?? 'info') as WorkerConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);

  if (problems.length) throw new WorkerConfigError(problems);
  const taskBaseEnv: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = get(name);
    if (value !== undefined) taskBaseEnv[name] = value;
  }
  return Object.freeze({
    gatewayUrl,
    auth: Object.freeze(auth),
    workerPoolId,
    workerGroup,
    workerId,
    workDir,
    cacheDir,
    capacity,
    logLevel,
    taskBaseEnv: Object.freeze(taskBaseEnv),
  });
}

function parseFlags(argv: string[], problems: string[]): Record<string, string> {
  const known = ['pool', 'worker-group', 'worker-id'];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !known.includes(match[1])) {
      problems.push(`unknown argument "${arg}"`);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) problems.push(`--${match[1]} needs a value`);
    else flags[match[1]] = value;
  }
  return flags;
}
