// Rendering a hook's task template with json-e, and reading the result as a task definition.
// Pure: the context (with `now`) is passed in, so the same fire always renders the same task.
import jsone from 'json-e';
import { InputError } from '../errors';
import type { TaskInput } from '../queue/task-definition';
import type { FiredBy } from './HookFire';

/** What a template sees (DESIGN §5). `payload` and `clientId` only where the fire has them. */
export interface FireContext {
  firedBy: FiredBy;
  taskId: string;
  /** ISO time of the fire; json-e's `$fromNow` counts from it. */
  now: string;
  payload?: unknown;
  clientId?: string | null;
}

/** The rendered task definition (Taskcluster's field names, times as ISO strings), or null: no task. */
export function renderTaskTemplate(template: unknown, context: FireContext): Record<string, unknown> | null {
  let rendered: unknown;
  try {
    rendered = jsone(template as Record<string, unknown>, context as unknown as Record<string, unknown>);
  } catch (error) {
    throw new InputError(`the hook's task template does not render: ${(error as Error).message}`, { field: 'task' });
  }
  if (rendered === null || rendered === undefined) return null;
  if (!isObject(rendered)) throw new InputError('the hook\'s task template must render to an object (a task definition) or to null (no task)', { field: 'task' });
  return rendered;
}

const TASK_FIELDS = new Set([
  'taskQueueId',
  'provisionerId',
  'workerType',
  'schedulerId',
  'projectId',
  'taskGroupId',
  'dependencies',
  'requires',
  'routes',
  'priority',
  'retries',
  'created',
  'deadline',
  'expires',
  'scopes',
  'payload',
  'metadata',
  'tags',
  'extra',
]);

/**
 * A rendered definition as createTask's input: field types checked here (the queue checks the
 * values), times parsed. Errors name the field as `task.<field>`.
 */
export function taskInputFromRendered(rendered: Record<string, unknown>): TaskInput {
  const fail = (field: string, message: string): never => {
    throw new InputError(`the rendered task's ${field} ${message}`, { field: `task.${field}` });
  };
  const unknown = Object.keys(rendered).filter((key) => !TASK_FIELDS.has(key));
  if (unknown.length) fail(unknown[0], `is not a task field (unknown: ${unknown.join(', ')})`);
  const text = (field: string): string | null => {
    const value = rendered[field];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : fail(field, 'must be a string');
  };
  const strings = (field: string): string[] | null => {
    const value = rendered[field];
    if (value === undefined || value === null) return null;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : fail(field, 'must be a list of strings');
  };
  const time = (field: string, required: boolean): Date | null => {
    const value = rendered[field];
    if (value === undefined || value === null) return required ? fail(field, 'is required (an ISO time, e.g. {$fromNow: "1 hour"})') : null;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : fail(field, `must be an ISO time, got ${JSON.stringify(value)}`);
  };
  const object = (field: string): Record<string, unknown> | null => {
    const value = rendered[field];
    if (value === undefined || value === null) return null;
    return isObject(value) ? value : fail(field, 'must be an object');
  };

  const retries = rendered.retries;
  if (retries !== undefined && retries !== null && typeof retries !== 'number') fail('retries', 'must be a number');
  const metadata = object('metadata') ?? fail('metadata', 'is required ({name, description, owner, source})');
  const meta = (key: string, fallback?: string): string => {
    const value = metadata[key] ?? fallback;
    return typeof value === 'string' ? value : fail(`metadata.${key}`, 'must be a string');
  };
  return {
    taskQueueId: text('taskQueueId'),
    provisionerId: text('provisionerId'),
    workerType: text('workerType'),
    schedulerId: text('schedulerId'),
    projectId: text('projectId'),
    taskGroupId: text('taskGroupId'),
    dependencies: strings('dependencies'),
    requires: text('requires'),
    routes: strings('routes'),
    priority: text('priority'),
    retries: (retries as number | null | undefined) ?? null,
    created: time('created', true)!,
    deadline: time('deadline', true)!,
    expires: time('expires', false),
    scopes: strings('scopes'),
    payload: object('payload') ?? undefined,
    metadata: { name: meta('name'), description: meta('description', ''), owner: meta('owner'), source: meta('source', '') },
    tags: object('tags') ?? undefined,
    extra: object('extra') ?? undefined,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
