// Creating, changing and deleting hooks, and resetting their webhook token. Creating or changing
// a hook needs `hooks:modify-hook:<group>/<id>` and `assume:hook-id:<group>/<id>`: the hook's
// tasks are created with that role's scopes, so its author must already hold them (DESIGN §2).
import slugid from 'slugid';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import { recordAudit } from '../../audit/record';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { generateAccessToken, hashAccessToken } from '../../auth/tokens';
import { inTransaction } from '../../db/transaction';
import { RequestConflict, ResourceNotFound } from '../../errors';
import { hookRole } from '../caller';
import { Hook } from '../Hook';
import { nextFireOfAll, parseSchedules } from '../schedule';
import { checkHookIds, checkHookInput, type CheckedHook, type HookInput } from '../validation';
import { hookView, type HookView } from '../views';

interface HookKey {
  hookGroupId: string;
  hookId: string;
}

export async function createHook(ctx: CommandContext, props: HookKey & { hook: HookInput }): Promise<HookView> {
  const { hookGroupId, hookId } = props;
  checkHookIds(hookGroupId, hookId);
  const checked = checkHookInput(props.hook);
  await requireModify(ctx, props, 'createHook');
  const now = ctx.core.clock.now();
  const row = Object.assign(new Hook(), {
    hookGroupId,
    hookId,
    ...checked,
    triggerTokenHash: null,
    nextScheduledDate: nextFireOfAll(parseSchedules(checked.schedule), now),
    nextTaskId: slugid.v4(),
    created: now,
    lastModified: now,
  });
  return inTransaction(ctx.core.db, async (tx) => {
    const existing = await tx.getRepository(Hook).findOneBy({ hookGroupId, hookId });
    if (existing) {
      // Idempotent, as createTask: the same definition again answers with the hook.
      if (sameDefinition(existing, checked)) return hookView(existing);
      throw new RequestConflict(`hook ${hookGroupId}/${hookId} already exists with a different definition; use updateHook`, { hookGroupId, hookId });
    }
    try {
      // JSON columns defeat TypeORM's deep-partial typing; the row is a whole Hook.
      await tx.getRepository(Hook).insert(row as QueryDeepPartialEntity<Hook>);
    } catch (error) {
      if (isDuplicate(error)) throw new RequestConflict(`hook ${hookGroupId}/${hookId} already exists`, { hookGroupId, hookId });
      throw error;
    }
    await recordAudit(tx, ctx, { entityType: 'hook', entityId: `${hookGroupId}/${hookId}`, action: 'created' });
    return hookView(row);
  });
}

/**
 * Replaces a hook's definition. A changed schedule starts over from now; an unchanged one keeps
 * its next scheduled date, so a fire that is due is not lost by an edit.
 */
export async function updateHook(ctx: CommandContext, props: HookKey & { hook: HookInput }): Promise<HookView> {
  const { hookGroupId, hookId } = props;
  checkHookIds(hookGroupId, hookId);
  const checked = checkHookInput(props.hook);
  await requireModify(ctx, props, 'updateHook');
  return inTransaction(ctx.core.db, async (tx) => {
    const row = await lockedHook(tx, props);
    const now = ctx.core.clock.now();
    const scheduleChanged = JSON.stringify(row.schedule) !== JSON.stringify(checked.schedule);
    Object.assign(row, checked, {
      lastModified: now,
      // A new id also tells a cron that read the old definition that its claim is stale.
      nextTaskId: slugid.v4(),
      ...(scheduleChanged ? { nextScheduledDate: nextFireOfAll(parseSchedules(checked.schedule), now) } : {}),
    });
    await tx.getRepository(Hook).save(row);
    await recordAudit(tx, ctx, { entityType: 'hook', entityId: `${hookGroupId}/${hookId}`, action: 'updated' });
    return hookView(row);
  });
}

/** Deletes a hook and its fire history; deleting a hook that is gone succeeds. */
export async function deleteHook(ctx: CommandContext, props: HookKey): Promise<boolean> {
  const { hookGroupId, hookId } = props;
  await requireScopes(ctx, `hooks:modify-hook:${hookGroupId}/${hookId}`, `deleteHook(${hookGroupId}/${hookId})`);
  await inTransaction(ctx.core.db, async (tx) => {
    const deleted = await tx.getRepository(Hook).delete({ hookGroupId, hookId });
    if (!deleted.affected) return;
    await tx.query('DELETE FROM hook_last_fires WHERE hook_group_id = ? AND hook_id = ?', [hookGroupId, hookId]);
    await recordAudit(tx, ctx, { entityType: 'hook', entityId: `${hookGroupId}/${hookId}`, action: 'deleted' });
  });
  return true;
}

/** A new webhook token, shown this once; the previous one stops working. Stored hashed. */
export async function resetTriggerToken(ctx: CommandContext, props: HookKey): Promise<string> {
  const { hookGroupId, hookId } = props;
  await requireScopes(ctx, `hooks:reset-trigger-token:${hookGroupId}/${hookId}`, `resetTriggerToken(${hookGroupId}/${hookId})`);
  const token = generateAccessToken();
  await inTransaction(ctx.core.db, async (tx) => {
    await lockedHook(tx, props);
    await tx.getRepository(Hook).update({ hookGroupId, hookId }, { triggerTokenHash: hashAccessToken(token), lastModified: ctx.core.clock.now() });
    await recordAudit(tx, ctx, { entityType: 'hook', entityId: `${hookGroupId}/${hookId}`, action: 'reset-trigger-token' });
  });
  return token;
}

async function requireModify(ctx: CommandContext, key: HookKey, action: string): Promise<void> {
  const { hookGroupId, hookId } = key;
  await requireScopes(
    ctx,
    { AllOf: [`hooks:modify-hook:${hookGroupId}/${hookId}`, `assume:${hookRole(hookGroupId, hookId)}`] },
    `${action}(${hookGroupId}/${hookId})`,
  );
}

/** The hook, locked against concurrent changes and fires until the transaction ends. */
async function lockedHook(tx: EntityManager, key: HookKey): Promise<Hook> {
  const query = tx.getRepository(Hook).createQueryBuilder('h').where('h.hook_group_id = :g AND h.hook_id = :h', { g: key.hookGroupId, h: key.hookId });
  if (tx.connection.options.type === 'mysql') query.setLock('pessimistic_write');
  const row = await query.getOne();
  if (!row) throw new ResourceNotFound(`hook ${key.hookGroupId}/${key.hookId} does not exist`, { hookGroupId: key.hookGroupId, hookId: key.hookId });
  return row;
}

function sameDefinition(row: Hook, checked: CheckedHook): boolean {
  const stable = (value: unknown) => JSON.stringify(sortKeys(value));
  return stable([row.metadata, row.schedule, row.taskTemplate, row.triggerSchema]) === stable([checked.metadata, checked.schedule, checked.taskTemplate, checked.triggerSchema]);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function isDuplicate(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
}
