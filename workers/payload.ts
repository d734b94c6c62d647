// The task payload this worker runs, as generic-worker's (DESIGN.md §4):
//   { command: string[] | string[][], env, maxRunTime, artifacts: [{type, path, name, expires}],
//     caches (or mounts): [{cacheName, directory}] }
// `command` as string[] is one command; as string[][] several, run in turn until one fails.
// Commands run without a shell: ["sh", "-c", "…"] when a shell is wanted. Pure: a table test
// covers it.
import path from 'node:path';

export interface ArtifactSpec {
  type: 'file' | 'directory';
  /** Relative to the task's folder. */
  path: string;
  name: string;
  /** ISO time; default: the task's expiry. */
  expires?: string;
}

export interface CacheSpec {
  cacheName: string;
  /** Relative to the task's folder. */
  directory: string;
}

export interface Payload {
  commands: string[][];
  env: Record<string, string>;
  /** Seconds. */
  maxRunTime: number;
  artifacts: ArtifactSpec[];
  caches: CacheSpec[];
}

export const DEFAULT_MAX_RUN_TIME = 3600;
/** The artifact the worker makes of the task's log. */
export const LIVE_LOG_NAME = 'public/logs/live.log';
export const MAX_MAX_RUN_TIME = 86_400;
const KNOWN = ['command', 'env', 'maxRunTime', 'artifacts', 'caches', 'mounts'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CACHE_NAME = /^[a-zA-Z0-9._-]{1,100}$/;
const PRINTABLE = /^[\x20-\x7e]+$/;

export interface ParsedPayload {
  payload: Payload | undefined;
  /** What is wrong, one line each; non-empty means malformed-payload. */
  problems: string[];
  /** Fields this worker does not know (ignored, and said so in the log). */
  ignored: string[];
}

export function parsePayload(raw: unknown): ParsedPayload {
  const problems: string[] = [];
  if (!isObject(raw)) return { payload: undefined, problems: ['the payload must be a JSON object'], ignored: [] };
  const ignored = Object.keys(raw).filter((key) => !KNOWN.includes(key));
  const commands = parseCommand(raw.command, problems);
  const env = parseEnv(raw.env, problems);
  let maxRunTime = DEFAULT_MAX_RUN_TIME;
  if (raw.maxRunTime !== undefined) {
    if (!Number.isInteger(raw.maxRunTime) || (raw.maxRunTime as number) < 1 || (raw.maxRunTime as number) > MAX_MAX_RUN_TIME) {
      problems.push(`maxRunTime must be a whole number of seconds from 1 to ${MAX_MAX_RUN_TIME}`);
    } else maxRunTime = raw.maxRunTime as number;
  }
  const artifacts = parseArtifacts(raw.artifacts, problems);
  const caches = [...parseCaches(raw.caches, 'caches', problems), ...parseCaches(raw.mounts, 'mounts', problems)];
  checkCacheClashes(caches, problems);
  if (problems.length) return { payload: undefined, problems, ignored };
  return { payload: { commands, env, maxRunTime, artifacts, caches }, problems, ignored };
}

function parseCommand(command: unknown, problems: string[]): string[][] {
  const fail = (why: string) => {
    problems.push(`command ${why}: use ["program", "arg", …] for one command, or [["program", …], …] for several`);
    return [];
  };
  if (command === undefined) return fail('is required');
  if (!Array.isArray(command) || command.length === 0) return fail('must be a non-empty array');
  const isArgv = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0 && value.every((arg) => typeof arg === 'string');
  if (command.every((arg) => typeof arg === 'string')) {
    if (!command[0]) return fail('must name a program first');
    return [command as string[]];
  }
  if (!command.every(isArgv)) return fail('must be an array of strings, or an array of non-empty arrays of strings');
  const commands = command as string[][];
  const empty = commands.findIndex((argv) => !argv[0]);
  if (empty >= 0) return fail(`[${empty}] must name a program first`);
  return commands;
}

function parseEnv(env: unknown, problems: string[]): Record<string, string> {
  if (env === undefined) return {};
  if (!isObject(env)) {
    problems.push('env must be an object of variable names to string values');
    return {};
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) problems.push(`env: "${name}" is not a valid variable name`);
    else if (typeof value !== 'string') problems.push(`env.${name} must be a string`);
    else if (value.includes('\0')) problems.push(`env.${name} may not contain a NUL character`);
    else result[name] = value;
  }
  return result;
}

function parseArtifacts(artifacts: unknown, problems: string[]): ArtifactSpec[] {
  if (artifacts === undefined) return [];
  if (!Array.isArray(artifacts)) {
    problems.push('artifacts must be an array of {type, path, name, expires}');
    return [];
  }
  const result: ArtifactSpec[] = [];
  const names = new Set<string>();
  artifacts.forEach((artifact, i) => {
    const where = `artifacts[${i}]`;
    if (!isObject(artifact)) return void problems.push(`${where} must be an object {type, path, name, expires}`);
    const { type, path: relative, name, expires } = artifact;
    if (type !== 'file' && type !== 'directory') problems.push(`${where}.type must be "file" or "directory"`);
    const pathProblem = relativePathProblem(relative);
    if (pathProblem) problems.push(`${where}.path ${pathProblem}`);
    const nameProblem = artifactNameProblem(name);
    if (nameProblem) problems.push(`${where}.name ${nameProblem}`);
    else if (names.has(name as string)) problems.push(`${where}.name "${name}" is used twice`);
    else if (name === LIVE_LOG_NAME || (name as string).startsWith(`${LIVE_LOG_NAME}/`)) problems.push(`${where}.name "${name}" is the worker's own log`);
    if (expires !== undefined && (typeof expires !== 'string' || Number.isNaN(Date.parse(expires)))) {
      problems.push(`${where}.expires must be a date-time, e.g. 2030-01-01T00:00:00.000Z`);
    }
    if (typeof name === 'string') names.add(name);
    result.push({ type: type as 'file' | 'directory', path: relative as string, name: name as string, ...(expires === undefined ? {} : { expires: expires as string }) });
  });
  return result;
}

function parseCaches(caches: unknown, field: string, problems: string[]): CacheSpec[] {
  if (caches === undefined) return [];
  if (!Array.isArray(caches)) {
    problems.push(`${field} must be an array of {cacheName, directory}`);
    return [];
  }
  const result: CacheSpec[] = [];
  caches.forEach((cache, i) => {
    const where = `${field}[${i}]`;
    if (!isObject(cache)) return void problems.push(`${where} must be an object {cacheName, directory}`);
    const { cacheName, directory } = cache;
    if (typeof cacheName !== 'string' || !CACHE_NAME.test(cacheName) || cacheName === '.' || cacheName === '..') {
      problems.push(`${where}.cacheName must be 1–100 characters of a-z A-Z 0-9 . _ -`);
    }
    const pathProblem = relativePathProblem(directory);
    if (pathProblem) problems.push(`${where}.directory ${pathProblem}`);
    result.push({ cacheName: cacheName as string, directory: directory as string });
  });
  return result;
}

function checkCacheClashes(caches: CacheSpec[], problems: string[]): void {
  const seen = new Map<string, string>();
  for (const cache of caches) {
    if (typeof cache.directory !== 'string' || typeof cache.cacheName !== 'string') continue;
    const dir = path.posix.normalize(cache.directory);
    for (const [other, name] of seen) {
      if (dir === other || dir.startsWith(`${other}/`) || other.startsWith(`${dir}/`)) problems.push(`caches ${name} and ${cache.cacheName} overlap (${other}, ${dir})`);
    }
    if ([...seen.values()].includes(cache.cacheName)) problems.push(`cache ${cache.cacheName} is mounted twice`);
    seen.set(dir, cache.cacheName);
  }
}

/** Why `value` is not a path inside the task's folder, or undefined if it is one. */
export function relativePathProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty path relative to the task’s folder';
  if (value.includes('\0')) return 'may not contain a NUL character';
  if (path.posix.isAbsolute(value)) return `must be relative to the task’s folder, not absolute ("${value}")`;
  const normalized = path.posix.normalize(value);
  if (normalized === '.' || normalized === '..' || normalized.startsWith('../')) return `must stay inside the task’s folder ("${value}")`;
  return undefined;
}

/** The gateway's artifact-name rule, checked early so a bad name is a malformed payload. */
export function artifactNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 400) return 'must be 1–400 characters';
  if (!PRINTABLE.test(name)) return 'must be printable ASCII';
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return "may not start or end with '/' nor contain '//', '.' or '..' segments";
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
