// A task definition as submitted (Taskcluster's field names), checked and with defaults filled in.
// Pure: the clock's `now` is passed in. Messages name the field and what is expected.
import { InputError } from '../errors';
import { validateScope } from '../auth/scopes';
import { Priority, PRIORITIES } from './rules';

export const SLUGID = /^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/;
export const TASK_QUEUE_ID = /^[a-zA-Z0-9_-]{1,38}\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$/;
const SCHEDULER_ID = /^[a-zA-Z0-9_-]{1,38}$/;
const PROJECT_ID = /^[a-zA-Z0-9._/-]{1,500}$/;
const MAX_DEADLINE_MS = 5 * 24 * 3600 * 1000;
const CREATED_SKEW_MS = 15 * 60 * 1000;
export const MAX_DEPENDENCIES = 10_000;
export const MAX_ROUTES = 64;

export interface TaskInput {
  taskQueueId?: string | null;
  /** Legacy pair, as older Taskcluster task JSON carries it. */
  provisionerId?: string | null;
  workerType?: string | null;
  schedulerId?: string | null;
  projectId?: string | null;
  taskGroupId?: string | null;
  dependencies?: string[] | null;
  requires?: string | null;
  routes?: string[] | null;
  priority?: string | null;
  retries?: number | null;
  created: Date;
  deadline: Date;
  expires?: Date | null;
  scopes?: string[] | null;
  payload?: unknown;
  metadata: { name: string; description: string; owner: string; source: string };
  tags?: unknown;
  extra?: unknown;
}

export interface TaskDefinition {
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  taskGroupId: string;
  dependencies: string[];
  requires: 'all-completed' | 'all-resolved';
  routes: string[];
  priority: Priority;
  retries: number;
  created: Date;
  deadline: Date;
  expires: Date;
  scopes: string[];
  payload: Record<string, unknown>;
  metadata: { name: string; description: string; owner: string; source: string };
  tags: Record<string, string>;
  extra: Record<string, unknown>;
}

export function checkTaskId(taskId: string, field = 'taskId'): void {
  if (!SLUGID.test(taskId)) throw new InputError(`${field} "${taskId}" is not a slugid (22 URL-safe base64 characters of a v4 UUID)`, { field });
}

export function normalizeTaskDefinition(taskId: string, input: TaskInput, now: Date): TaskDefinition {
  checkTaskId(taskId);
  const fail = (field: string, message: string): never => {
    throw new InputError(`task ${taskId}: ${field} ${message}`, { taskId, field });
  };

  const taskQueueId = input.taskQueueId ?? (input.provisionerId && input.workerType ? `${input.provisionerId}/${input.workerType}` : undefined);
  if (!taskQueueId) fail('taskQueueId', 'is required (as <provisionerId>/<workerType>)');
  if (!TASK_QUEUE_ID.test(taskQueueId!)) fail('taskQueueId', `"${taskQueueId}" must be <provisionerId>/<workerType>, e.g. proj-build/linux-large`);
  if (input.taskQueueId && input.provisionerId && `${input.provisionerId}/${input.workerType}` !== input.taskQueueId) {
    fail('taskQueueId', 'disagrees with provisionerId/workerType');
  }
  const schedulerId = input.schedulerId ?? '-';
  if (!SCHEDULER_ID.test(schedulerId)) fail('schedulerId', 'must be 1–38 characters of a-z A-Z 0-9 _ -');
  const projectId = input.projectId ?? 'none';
  if (!PROJECT_ID.test(projectId)) fail('projectId', 'must be 1–500 characters of a-z A-Z 0-9 . _ / -');
  const taskGroupId = input.taskGroupId ?? taskId;
  checkTaskId(taskGroupId, 'taskGroupId');

  const dependencies = input.dependencies ?? [];
  if (dependencies.length > MAX_DEPENDENCIES) fail('dependencies', `may list at most ${MAX_DEPENDENCIES} tasks`);
  for (const dep of dependencies) checkTaskId(dep, 'dependencies');
  if (new Set(dependencies).size !== dependencies.length) fail('dependencies', 'lists a task twice');
  const requires = input.requires ?? 'all-completed';
  if (requires !== 'all-completed' && requires !== 'all-resolved') return fail('requires', 'must be all-completed or all-resolved');

  const routes = input.routes ?? [];
  if (routes.length > MAX_ROUTES) fail('routes', `may hold at most ${MAX_ROUTES} routes, got ${routes.length}`);
  for (const route of routes) if (!route || route.length > 249) fail('routes', 'must each be 1–249 characters');
  // Taskcluster's legacy `normal` is `lowest`, as its queue migrates it.
  const priority = (input.priority === 'normal' ? 'lowest' : (input.priority ?? 'lowest')) as Priority;
  if (!PRIORITIES.includes(priority)) fail('priority', `must be one of ${PRIORITIES.join(', ')}`);
  const retries = input.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0 || retries > 49) fail('retries', 'must be a whole number from 0 to 49');

  const { created, deadline } = input;
  if (Number.isNaN(created.getTime())) fail('created', 'is not a valid date');
  if (Number.isNaN(deadline.getTime())) fail('deadline', 'is not a valid date');
  if (created.getTime() > now.getTime() + CREATED_SKEW_MS) fail('created', 'is more than 15 minutes in the future');
  if (deadline.getTime() <= created.getTime()) fail('deadline', 'must be after created');
  if (deadline.getTime() > created.getTime() + MAX_DEADLINE_MS) fail('deadline', 'must be at most 5 days after created');
  if (deadline.getTime() < now.getTime()) fail('deadline', 'is in the past');
  const expires = input.expires ?? oneYearAfter(deadline);
  if (expires.getTime() < deadline.getTime()) fail('expires', 'must not be before the deadline');

  const scopes = input.scopes ?? [];
  for (const scope of scopes) {
    const problem = validateScope(scope);
    if (problem) fail('scopes', problem);
  }
  const payload = input.payload ?? {};
  if (!isPlainObject(payload)) fail('payload', 'must be a JSON object');
  const extra = input.extra ?? {};
  if (!isPlainObject(extra)) fail('extra', 'must be a JSON object');
  const tags = input.tags ?? {};
  if (!isPlainObject(tags) || !Object.values(tags).every((v) => typeof v === 'string')) fail('tags', 'must be an object of strings');
  const metadata = input.metadata;
  if (!metadata.name || metadata.name.length > 255) fail('metadata.name', 'must be 1–255 characters');
  if (metadata.description.length > 32_768) fail('metadata.description', 'must be at most 32768 characters');
  if (!metadata.owner || metadata.owner.length > 255) fail('metadata.owner', 'must be 1–255 characters');
  if (metadata.source.length > 4096) fail('metadata.source', 'must be at most 4096 characters');

  return {
    taskQueueId: taskQueueId!,
    schedulerId,
    projectId,
    taskGroupId,
    dependencies,
    requires,
    routes,
    priority,
    retries,
    created,
    deadline,
    expires,
    scopes,
    payload: payload as Record<string, unknown>,
    metadata: { name: metadata.name, description: metadata.description, owner: metadata.owner, source: metadata.source },
    tags: tags as Record<string, string>,
    extra: extra as Record<string, unknown>,
  };
}

/** The same date and time a calendar year later (UTC), as Taskcluster defaults `expires`. */
function oneYearAfter(date: Date): Date {
  const later = new Date(date.getTime());
  later.setUTCFullYear(later.getUTCFullYear() + 1);
  return later;
}

/** A stable text of a definition, for "is this the same task?" (idempotent createTask). */
export function canonicalDefinition(definition: TaskDefinition): string {
  return stableStringify({
    ...definition,
    created: definition.created.toISOString(),
    deadline: definition.deadline.toISOString(),
    expires: definition.expires.toISOString(),
  });
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
