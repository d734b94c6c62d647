// A worker pool's definition: validated and normalized once, when it is created or updated, so
// the provisioner reads plain numbers with every default filled in.
import crypto from 'node:crypto';
import { InputError } from '../errors';
import { TASK_QUEUE_ID } from '../queue/task-definition';
import { PROVIDER_IDS } from './rules';

export interface LaunchConfig {
  /** Stable id: given, or derived from the config's content. */
  launchConfigId: string;
  /** How many tasks one worker of this config runs at once. */
  capacityPerInstance: number;
  /** Preference among launch configs before load, errors and cost lower it. */
  initialWeight: number;
  /** At most this much capacity of this config at once (default: the pool's maxCapacity). */
  maxCapacity: number;
  /** Price of one worker per hour, in any currency used consistently; null when unknown. */
  costPerHour: number | null;
  /** Local provider: extra environment variables for the worker process. */
  env: Record<string, string>;
}

export interface Lifecycle {
  /** Seconds a requested worker has to register before it is stopped. */
  registrationTimeout: number;
  /** Seconds a worker may go without claiming or running a task before it is stopped. */
  queueInactivityTimeout: number;
  /** Seconds a registered worker's credentials last; it is stopped when they expire. */
  reregistrationTimeout: number;
}

export interface WorkerPoolConfig {
  minCapacity: number;
  maxCapacity: number;
  /** Capacity to request per pending task, from 0 to 1 (Taskcluster's scalingRatio). */
  scalingRatio: number;
  launchConfigs: LaunchConfig[];
  lifecycle: Lifecycle;
}

export interface LaunchConfigInput {
  launchConfigId?: string | null;
  capacityPerInstance?: number | null;
  initialWeight?: number | null;
  maxCapacity?: number | null;
  costPerHour?: number | null;
  env?: Record<string, unknown> | null;
}

export interface WorkerPoolConfigInput {
  minCapacity?: number | null;
  maxCapacity: number;
  scalingRatio?: number | null;
  launchConfigs?: LaunchConfigInput[] | null;
  lifecycle?: Partial<Record<keyof Lifecycle, number | null>> | null;
}

export interface WorkerPoolInput {
  providerId: string;
  description?: string | null;
  owner?: string | null;
  config: WorkerPoolConfigInput;
}

export const DEFAULT_LIFECYCLE: Lifecycle = {
  registrationTimeout: 1800,
  queueInactivityTimeout: 7200,
  reregistrationTimeout: 4 * 24 * 3600,
};
const MAX_CAPACITY = 10_000;
const MAX_LAUNCH_CONFIGS = 100;
const LAUNCH_CONFIG_ID = /^[a-zA-Z0-9_-]{1,38}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_ENV_BYTES = 32_768;
const MAX_DESCRIPTION = 10_000;

export function checkWorkerPoolId(workerPoolId: string): void {
  if (typeof workerPoolId !== 'string' || !TASK_QUEUE_ID.test(workerPoolId)) {
    throw new InputError(`workerPoolId "${workerPoolId}" must be <provisionerId>/<workerType>, e.g. proj-build/linux-large (it is also the taskQueueId)`, {
      field: 'workerPoolId',
    });
  }
}

export function checkProviderId(providerId: string): void {
  if (!(PROVIDER_IDS as readonly string[]).includes(providerId)) {
    throw new InputError(`providerId must be one of ${PROVIDER_IDS.join(', ')}, got "${providerId}"`, { field: 'providerId' });
  }
}

export function normalizePool(input: WorkerPoolInput): { providerId: string; description: string; owner: string; config: WorkerPoolConfig } {
  checkProviderId(input.providerId);
  const description = input.description ?? '';
  if (description.length > MAX_DESCRIPTION) throw new InputError(`description is longer than ${MAX_DESCRIPTION} characters`, { field: 'description' });
  const owner = input.owner ?? '';
  if (owner.length > 255) throw new InputError('owner is longer than 255 characters', { field: 'owner' });
  return { providerId: input.providerId, description, owner, config: normalizePoolConfig(input.config) };
}

export function normalizePoolConfig(input: WorkerPoolConfigInput): WorkerPoolConfig {
  const minCapacity = wholeNumber(input.minCapacity ?? 0, 'config.minCapacity', 0, MAX_CAPACITY);
  const maxCapacity = wholeNumber(input.maxCapacity, 'config.maxCapacity', 0, MAX_CAPACITY);
  if (minCapacity > maxCapacity) throw new InputError('config.minCapacity must not exceed config.maxCapacity', { field: 'config.minCapacity' });
  const scalingRatio = number(input.scalingRatio ?? 1, 'config.scalingRatio', 0, 1);
  const given = input.launchConfigs ?? [];
  if (given.length > MAX_LAUNCH_CONFIGS) throw new InputError(`a pool has at most ${MAX_LAUNCH_CONFIGS} launch configs`, { field: 'config.launchConfigs' });
  // A pool without launch configs launches one default kind of worker.
  const launchConfigs = (given.length ? given : [{}]).map((lc, i) => normalizeLaunchConfig(lc, i, maxCapacity));
  const ids = new Set<string>();
  for (const lc of launchConfigs) {
    if (ids.has(lc.launchConfigId)) {
      throw new InputError(`two launch configs have the id ${lc.launchConfigId} (identical configs need launchConfigIds of their own)`, {
        field: 'config.launchConfigs',
      });
    }
    ids.add(lc.launchConfigId);
  }
  const lc = input.lifecycle ?? {};
  const lifecycle: Lifecycle = {
    registrationTimeout: wholeNumber(lc.registrationTimeout ?? DEFAULT_LIFECYCLE.registrationTimeout, 'config.lifecycle.registrationTimeout', 1, 30 * 86_400),
    queueInactivityTimeout: wholeNumber(
      lc.queueInactivityTimeout ?? DEFAULT_LIFECYCLE.queueInactivityTimeout,
      'config.lifecycle.queueInactivityTimeout',
      1,
      30 * 86_400,
    ),
    // Temporary credentials last at most 31 days.
    reregistrationTimeout: wholeNumber(lc.reregistrationTimeout ?? DEFAULT_LIFECYCLE.reregistrationTimeout, 'config.lifecycle.reregistrationTimeout', 60, 31 * 86_400),
  };
  return { minCapacity, maxCapacity, scalingRatio, launchConfigs, lifecycle };
}

function normalizeLaunchConfig(input: LaunchConfigInput, index: number, poolMax: number): LaunchConfig {
  const at = `config.launchConfigs[${index}]`;
  const capacityPerInstance = wholeNumber(input.capacityPerInstance ?? 1, `${at}.capacityPerInstance`, 1, 1000);
  if (poolMax > 0 && capacityPerInstance > poolMax) {
    throw new InputError(`${at}.capacityPerInstance (${capacityPerInstance}) exceeds the pool's maxCapacity (${poolMax}): no such worker could ever start`, {
      field: `${at}.capacityPerInstance`,
    });
  }
  const initialWeight = number(input.initialWeight ?? 1, `${at}.initialWeight`, 0, 1_000_000);
  const maxCapacity = wholeNumber(input.maxCapacity ?? poolMax, `${at}.maxCapacity`, 0, MAX_CAPACITY);
  const costPerHour = input.costPerHour == null ? null : number(input.costPerHour, `${at}.costPerHour`, 0, 1e9);
  if (costPerHour === 0) throw new InputError(`${at}.costPerHour must be positive; leave it out when the price is unknown`, { field: `${at}.costPerHour` });
  const env = checkEnv(input.env ?? {}, `${at}.env`);
  const content = { capacityPerInstance, initialWeight, maxCapacity, costPerHour, env };
  let launchConfigId = input.launchConfigId ?? undefined;
  if (launchConfigId !== undefined) {
    if (!LAUNCH_CONFIG_ID.test(launchConfigId)) throw new InputError(`${at}.launchConfigId must be 1–38 characters of a-z A-Z 0-9 _ -`, { field: `${at}.launchConfigId` });
  } else {
    // Derived from the content, so the same config keeps its id (and its error history) across updates.
    launchConfigId = `lc-${crypto.createHash('sha256').update(canonical(content)).digest('hex').slice(0, 16)}`;
  }
  return { launchConfigId, ...content };
}

function checkEnv(env: Record<string, unknown>, field: string): Record<string, string> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new InputError(`${field} must be an object of strings`, { field });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new InputError(`${field}: "${name}" is not a valid environment variable name`, { field });
    if (typeof value !== 'string') throw new InputError(`${field}.${name} must be a string`, { field });
    out[name] = value;
  }
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_ENV_BYTES) throw new InputError(`${field} is larger than ${MAX_ENV_BYTES} bytes`, { field });
  return out;
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${field} must be a whole number from ${min} to ${max}`, { field });
  }
  return value;
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`${field} must be a number from ${min} to ${max}`, { field });
  }
  return value;
}

/** JSON with sorted keys, so equal configs hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
