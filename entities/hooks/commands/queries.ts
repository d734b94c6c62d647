// Reading hooks is open to everyone, as in Taskcluster; a hook's fire history needs
// `hooks:list-last-fires:<group>/<id>` (its errors can say more than the definition does).
import { requireScopes, type CommandContext } from '../../auth/require-scopes';
import { paginate, type Page, type PageArgs } from '../../pagination';
import { Hook } from '../Hook';
import { HookFire } from '../HookFire';
import { hookView, type HookView } from '../views';

export async function getHook(ctx: CommandContext, props: { hookGroupId: string; hookId: string }): Promise<HookView | null> {
  const row = await ctx.core.db.getRepository(Hook).findOneBy({ hookGroupId: props.hookGroupId, hookId: props.hookId });
  return row ? hookView(row) : null;
}

/** The hooks of one group, in hookId order. */
export async function listHooks(ctx: CommandContext, props: PageArgs & { hookGroupId: string }): Promise<Page<HookView>> {
  const query = ctx.core.db.getRepository(Hook).createQueryBuilder('h').where('h.hook_group_id = :g', { g: props.hookGroupId });
  const page = await paginate(query, 'h.hook_id', (h) => h.hookId, props);
  return { ...page, nodes: page.nodes.map(hookView) };
}

/** Every hook group that has a hook, in order. */
export async function listHookGroups(ctx: CommandContext): Promise<string[]> {
  const rows: { hook_group_id: string }[] = await ctx.core.db.query('SELECT DISTINCT hook_group_id FROM hooks ORDER BY hook_group_id');
  return rows.map((row) => row.hook_group_id);
}

/** A hook's fires, oldest first (`last: n` for the latest). */
export async function listLastFires(ctx: CommandContext, props: PageArgs & { hookGroupId: string; hookId: string }): Promise<Page<HookFire>> {
  const { hookGroupId, hookId } = props;
  await requireScopes(ctx, `hooks:list-last-fires:${hookGroupId}/${hookId}`, `hookLastFires(${hookGroupId}/${hookId})`);
  const query = ctx.core.db
    .getRepository(HookFire)
    .createQueryBuilder('f')
    .select(['f.id', 'f.hookGroupId', 'f.hookId', 'f.firedBy', 'f.taskId', 'f.scheduledFor', 'f.firedAt', 'f.missedFires', 'f.clientId', 'f.result', 'f.error', 'f.resolvedAt'])
    .where('f.hook_group_id = :g AND f.hook_id = :h', { g: hookGroupId, h: hookId });
  return paginate(query, 'f.id', (f) => String(f.id), props, (key) => Number(key));
}
