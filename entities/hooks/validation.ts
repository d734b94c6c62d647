// Checks of a hook's ids and definition; messages name the field and what is expected.
import { InputError } from '../errors';
import type { HookMetadata } from './Hook';
import { parseSchedules } from './schedule';
import { compileTriggerSchema, DEFAULT_TRIGGER_SCHEMA } from './trigger-schema';

const HOOK_GROUP_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Slashes allowed, as in Taskcluster's action hooks (`in-tree-action-1-generic/<hash>`). */
const HOOK_ID = /^[A-Za-z0-9_-][A-Za-z0-9_/-]{0,127}$/;
const MAX_TEMPLATE_BYTES = 256 * 1024;
const MAX_SCHEMA_BYTES = 64 * 1024;

export interface HookInput {
  metadata: { name: string; description?: string | null; owner: string; emailOnError?: boolean | null };
  schedule?: string[] | null;
  task: unknown;
  triggerSchema?: unknown;
}

export interface CheckedHook {
  metadata: HookMetadata;
  schedule: string[];
  taskTemplate: Record<string, unknown>;
  triggerSchema: Record<string, unknown>;
}

export function checkHookIds(hookGroupId: string, hookId: string): void {
  if (!HOOK_GROUP_ID.test(hookGroupId)) throw new InputError('hookGroupId must be 1–64 characters of A-Z a-z 0-9 _ -', { field: 'hookGroupId' });
  if (!HOOK_ID.test(hookId)) throw new InputError('hookId must be 1–128 characters of A-Z a-z 0-9 _ - /, not starting with /', { field: 'hookId' });
}

export function checkHookInput(input: HookInput): CheckedHook {
  const { metadata } = input;
  if (!metadata.name || metadata.name.length > 255) throw new InputError('metadata.name must be 1–255 characters', { field: 'metadata.name' });
  if (!metadata.owner || metadata.owner.length > 255) throw new InputError('metadata.owner must be 1–255 characters', { field: 'metadata.owner' });
  const description = metadata.description ?? '';
  if (description.length > 32_768) throw new InputError('metadata.description must be at most 32768 characters', { field: 'metadata.description' });
  const schedule = input.schedule ?? [];
  parseSchedules(schedule);
  if (!isObject(input.task)) throw new InputError('task must be a JSON object: a JSON-e template of a task definition', { field: 'task' });
  if (JSON.stringify(input.task).length > MAX_TEMPLATE_BYTES) throw new InputError(`task may be at most ${MAX_TEMPLATE_BYTES} bytes of JSON`, { field: 'task' });
  const triggerSchema = input.triggerSchema ?? DEFAULT_TRIGGER_SCHEMA;
  if (!isObject(triggerSchema)) throw new InputError('triggerSchema must be a JSON object (a JSON schema)', { field: 'triggerSchema' });
  if (JSON.stringify(triggerSchema).length > MAX_SCHEMA_BYTES) throw new InputError(`triggerSchema may be at most ${MAX_SCHEMA_BYTES} bytes of JSON`, { field: 'triggerSchema' });
  compileTriggerSchema(triggerSchema);
  return {
    metadata: { name: metadata.name, description, owner: metadata.owner, emailOnError: metadata.emailOnError ?? true },
    schedule: schedule.map((s) => s.trim()),
    taskTemplate: input.task,
    triggerSchema,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
