// A fire's task: rendered once when the fire is made, created here with the hook role's scopes,
// and the outcome written to the fire's row. The taskId was fixed when the fire was made, and
// createTask is idempotent, so trying again — after a crash, or while the database was away —
// can never make a second task.
import type { Core } from '../core';
import { isDatabaseUnavailable } from '../db/unavailable';
import { DomainError, InsufficientScopes, ServiceUnavailable } from '../errors';
import { createTask } from '../queue/commands/create-task';
import { loadStatuses, type TaskStatusView } from '../queue/status';
import { hookCaller, hookRole } from './caller';
import { HookFire } from './HookFire';
import { taskInputFromRendered } from './render';

/** A fire not resolved within this long (its creator died or the database went away) is tried again. */
export const LEASE_MS = 5_000;
/** Unexpected errors (not a refusal, not an outage) are tried this many times, then recorded. */
export const MAX_ATTEMPTS = 10;
const MAX_ERROR_LENGTH = 4000;

export type PendingFire = Pick<HookFire, 'hookGroupId' | 'hookId' | 'taskId' | 'taskDefinition' | 'attempts'>;

export type FireOutcome =
  | { kind: 'created'; fire: PendingFire; status: TaskStatusView }
  /** Refused for good (bad definition, missing scopes): recorded as an error. */
  | { kind: 'error'; fire: PendingFire; error: DomainError }
  /** The database went away or something unexpected happened: stays pending, tried again later. */
  | { kind: 'retry'; fire: PendingFire; error: unknown };

/** Tries to create the fire's task. Never throws: the outcome says what happened. */
export async function attemptFireTask(core: Core, fire: PendingFire): Promise<FireOutcome> {
  try {
    if (fire.attempts > 1) {
      // An earlier attempt may have created the task and died before recording it; the stored
      // definition may meanwhile have gone stale (a deadline now past), so look before creating.
      const [existing] = await loadStatuses(core.db.manager, [fire.taskId]);
      if (existing) return { kind: 'created', fire, status: existing };
    }
    const task = taskInputFromRendered(fire.taskDefinition ?? {});
    const create = async () => createTask({ core, caller: await hookCaller(core, fire.hookGroupId, fire.hookId) }, { taskId: fire.taskId, task });
    const epoch = rolesEpoch(core);
    try {
      return { kind: 'created', fire, status: await create() };
    } catch (error) {
      // This process may not have heard of a role change yet (other processes tell it through
      // pub/sub, or within seconds through the roles generation): look again before refusing.
      if (!(error instanceof InsufficientScopes) || !(await refreshRoles(core, epoch))) throw error;
      return { kind: 'created', fire, status: await create() };
    }
  } catch (error) {
    if (error instanceof ServiceUnavailable || isDatabaseUnavailable(error)) return { kind: 'retry', fire, error };
    if (error instanceof InsufficientScopes) {
      const role = hookRole(fire.hookGroupId, fire.hookId);
      return { kind: 'error', fire, error: new InsufficientScopes(error.missing, error.grantingRoles, `creating the task of hook ${fire.hookGroupId}/${fire.hookId} as role ${role}`) };
    }
    if (error instanceof DomainError) return { kind: 'error', fire, error };
    return { kind: 'retry', fire, error };
  }
}

const refreshes = new WeakMap<Core, { generation: number; epoch: number }>();

function rolesEpoch(core: Core): number {
  return refreshes.get(core)?.epoch ?? 0;
}

/**
 * Makes this process's cached roles current if they may not be: true if they were refreshed
 * since `since` (an attempt running meanwhile did it) or are now. A reload reads every role, so
 * it happens only when the roles generation moved: 5,000 refused fires never cause 5,000 reloads.
 */
async function refreshRoles(core: Core, since: number): Promise<boolean> {
  if (rolesEpoch(core) !== since) return true;
  const rows: { generation: number }[] = await core.db.query(`SELECT generation FROM auth_state WHERE name = 'roles'`);
  const generation = Number(rows[0]?.generation ?? 0);
  const seen = refreshes.get(core);
  if (rolesEpoch(core) !== since) return true;
  if (seen?.generation === generation) return false;
  refreshes.set(core, { generation, epoch: (seen?.epoch ?? 0) + 1 });
  core.roles.invalidate();
  return true;
}

/** Writes outcomes to the fires' rows: created ones in one statement. */
export async function recordOutcomes(core: Core, outcomes: readonly FireOutcome[]): Promise<void> {
  const now = core.clock.now();
  const created = outcomes.filter((o) => o.kind === 'created').map((o) => o.fire.taskId);
  for (let i = 0; i < created.length; i += 500) await resolveFires(core, created.slice(i, i + 500), 'created', null, now);
  for (const outcome of outcomes) {
    if (outcome.kind === 'error') await resolveFires(core, [outcome.fire.taskId], 'error', outcome.error.message, now);
    if (outcome.kind === 'retry') {
      const log = core.log.child({ hookGroupId: outcome.fire.hookGroupId, hookId: outcome.fire.hookId, taskId: outcome.fire.taskId });
      if (outcome.fire.attempts >= MAX_ATTEMPTS && !isDatabaseUnavailable(outcome.error)) {
        log.error({ err: outcome.error, attempts: outcome.fire.attempts }, 'hook fire failed; giving up');
        await resolveFires(core, [outcome.fire.taskId], 'error', `internal error after ${outcome.fire.attempts} attempts (see the cron log)`, now);
      } else {
        log.warn({ err: outcome.error, attempts: outcome.fire.attempts }, 'hook fire failed; it is tried again with the same taskId');
      }
    }
  }
}

async function resolveFires(core: Core, taskIds: string[], result: 'created' | 'error', error: string | null, now: Date): Promise<void> {
  await core.db
    .createQueryBuilder()
    .update(HookFire)
    .set({ result, error: error === null ? null : error.slice(0, MAX_ERROR_LENGTH), resolvedAt: now, retryAt: null, taskDefinition: null })
    .where('task_id IN (:...taskIds) AND result = :pending', { taskIds, pending: 'pending' })
    .execute();
}
