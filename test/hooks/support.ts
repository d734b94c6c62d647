// Hook factories and queries for the hooks tests, through the GraphQL API.
import slugid from 'slugid';
import { PRIORITIES } from '../../entities/queue/rules';
import { makeRole } from '../support/factories';
import type { TestGateway } from '../support/gateway';

export const HOOK_FIELDS = `hookGroupId hookId metadata { name description owner emailOnError } schedule task triggerSchema
  nextScheduledDate nextScheduledDates hasTriggerToken created lastModified`;
export const FIRE_FIELDS = 'hookGroupId hookId firedBy taskId scheduledFor firedAt missedFires clientId result error resolvedAt taskState';

export const CREATE_HOOK = `mutation ($g: String!, $h: String!, $hook: HookInput!) { createHook(hookGroupId: $g, hookId: $h, hook: $hook) { ${HOOK_FIELDS} } }`;
export const UPDATE_HOOK = `mutation ($g: String!, $h: String!, $hook: HookInput!) { updateHook(hookGroupId: $g, hookId: $h, hook: $hook) { ${HOOK_FIELDS} } }`;
export const DELETE_HOOK = `mutation ($g: String!, $h: String!) { deleteHook(hookGroupId: $g, hookId: $h) }`;
export const HOOK = `query ($g: String!, $h: String!) { hook(hookGroupId: $g, hookId: $h) { ${HOOK_FIELDS} } }`;
export const TRIGGER_HOOK = `mutation ($g: String!, $h: String!, $payload: JSON) {
  triggerHook(hookGroupId: $g, hookId: $h, payload: $payload) { taskId state taskQueueId } }`;
export const RESET_TOKEN = `mutation ($g: String!, $h: String!) { resetTriggerToken(hookGroupId: $g, hookId: $h) { token path } }`;
export const LAST_FIRES = `query ($g: String!, $h: String!, $first: Int, $last: Int) {
  hookLastFires(hookGroupId: $g, hookId: $h, first: $first, last: $last) { totalCount nodes { ${FIRE_FIELDS} } } }`;

/** A queue of its own, so a test counts only its hooks' tasks. */
export function hookQueue(): string {
  return `hooks-prov/q${slugid.v4().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
}

let counter = 0;
export function hookIds(prefix = 'hooks'): { g: string; h: string } {
  counter += 1;
  return { g: `${prefix}-${process.pid}`, h: `hook-${counter}-${slugid.v4().slice(0, 6).replace(/[^A-Za-z0-9]/g, 'x')}` };
}

/** A task template that renders to a valid task on `taskQueueId`; override what the test is about. */
export function taskTemplate(taskQueueId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskQueueId,
    created: { $fromNow: '0 seconds' },
    deadline: { $fromNow: '1 hour' },
    metadata: { name: 'a hook task', description: 'made by a hook', owner: 'tests@example.com', source: 'https://example.com/hooks' },
    payload: { command: ['true'] },
    ...overrides,
  };
}

export function hookInput(taskQueueId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: { name: 'a test hook', description: 'for tests', owner: 'tests@example.com' },
    schedule: [],
    task: taskTemplate(taskQueueId),
    ...overrides,
  };
}

/** The role a hook's tasks are created as, able to create tasks on `taskQueueId`. */
export async function makeHookRole(t: TestGateway, g: string, h: string, taskQueueId: string, extra: string[] = []) {
  return makeRole(t, `hook-id:${g}/${h}`, hookRoleScopes(taskQueueId, extra));
}

/** Scopes to create tasks of any priority on `taskQueueId`. */
export function hookRoleScopes(taskQueueId: string, extra: string[] = []): string[] {
  return [...PRIORITIES.map((p) => `queue:create-task:${p}:${taskQueueId}`), 'queue:scheduler-id:-', ...extra];
}

/** A hook (and its role) as root; returns its ids and queue. */
export async function makeHook(t: TestGateway, overrides: Record<string, unknown> = {}, ids = hookIds()) {
  const queue = (overrides.queue as string | undefined) ?? hookQueue();
  const { queue: _q, ...rest } = overrides;
  await makeHookRole(t, ids.g, ids.h, queue);
  const data = await t.ok(CREATE_HOOK, { g: ids.g, h: ids.h, hook: hookInput(queue, rest) }, t.root);
  return { ...ids, queue, hook: data.createHook };
}

export async function lastFires(t: TestGateway, g: string, h: string, auth = t.root): Promise<any[]> {
  return (await t.ok(LAST_FIRES, { g, h, first: 1000 }, auth)).hookLastFires.nodes;
}

/**
 * Waits, when the wall clock is within `marginMs` of a minute's turn, until just past it. Hooks
 * get their next scheduled time from the gateway's real clock: a test that makes several
 * every-minute hooks and expects them due together must not make them across a turn.
 */
export async function awayFromMinuteTurn(marginMs = 3000): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute < 60_000 - marginMs) return;
  await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
}
