// Firing a hook on demand: `triggerHook` (needs `hooks:trigger-hook:<group>/<id>`) and the
// webhook with the hook's secret token. The payload is checked against the hook's triggerSchema
// (defaults filled in), the fire recorded, then its task created with the hook role's scopes.
import slugid from 'slugid';
import type { CommandContext } from '../../auth/require-scopes';
import { requireScopes } from '../../auth/require-scopes';
import { accessTokenMatches, hashAccessToken } from '../../auth/tokens';
import type { Core } from '../../core';
import { AuthenticationFailed, ResourceNotFound } from '../../errors';
import type { TaskStatusView } from '../../queue/status';
import { buildFire } from '../fire';
import { attemptFireTask, recordOutcomes } from '../fire-task';
import { Hook } from '../Hook';
import { HookFire, type FiredBy } from '../HookFire';
import { validatePayload } from '../trigger-schema';
import { checkHookIds } from '../validation';

/** Compared against when the hook does not exist, so both refusals take the same time. */
const NO_HOOK_HASH = hashAccessToken('no hook has this token');

/** The created task's status, or null when the template rendered to null (no task). */
export async function triggerHook(
  ctx: CommandContext,
  props: { hookGroupId: string; hookId: string; payload?: unknown },
): Promise<TaskStatusView | null> {
  const { hookGroupId, hookId } = props;
  checkHookIds(hookGroupId, hookId);
  await requireScopes(ctx, `hooks:trigger-hook:${hookGroupId}/${hookId}`, `triggerHook(${hookGroupId}/${hookId})`);
  const hook = await ctx.core.db.getRepository(Hook).findOneBy({ hookGroupId, hookId });
  if (!hook) throw new ResourceNotFound(`hook ${hookGroupId}/${hookId} does not exist`, { hookGroupId, hookId });
  return fireNow(ctx.core, hook, { firedBy: 'triggerHook', payload: props.payload, clientId: ctx.caller.clientId ?? null });
}

/**
 * The webhook. An unknown hook and a wrong token are refused alike — same error, same work —
 * so the answer does not tell whether the hook exists.
 */
export async function triggerHookWithToken(
  core: Core,
  props: { hookGroupId: string; hookId: string; token: string; payload?: unknown },
): Promise<TaskStatusView | null> {
  const { hookGroupId, hookId } = props;
  const hook = await core.db.getRepository(Hook).findOneBy({ hookGroupId: String(hookGroupId).slice(0, 255), hookId: String(hookId).slice(0, 255) });
  const matches = accessTokenMatches(props.token, hook?.triggerTokenHash ?? NO_HOOK_HASH);
  if (!hook || !hook.triggerTokenHash || !matches) {
    throw new AuthenticationFailed('no hook has this hookGroupId, hookId and token (tokens change when reset with resetTriggerToken)');
  }
  return fireNow(core, hook, { firedBy: 'triggerHookWithToken', payload: props.payload });
}

async function fireNow(core: Core, hook: Hook, trigger: { firedBy: FiredBy; payload?: unknown; clientId?: string | null }): Promise<TaskStatusView | null> {
  const payload = validatePayload(hook.triggerSchema, trigger.payload);
  const now = core.clock.now();
  const { fire, error } = buildFire(hook, { ...trigger, payload, taskId: slugid.v4(), now, scheduledFor: null, missedFires: 0 });
  await core.db.getRepository(HookFire).insert(fire as never);
  if (error) throw error;
  if (fire.result === 'no-task') return null;
  const outcome = await attemptFireTask(core, fire);
  await recordOutcomes(core, [outcome]);
  if (outcome.kind === 'created') return outcome.status;
  // An outage leaves the fire pending: the cron creates its task (same taskId) once it can.
  throw outcome.error;
}
