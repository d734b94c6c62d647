// Hooks resolvers: each is input → one command → output type.
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { createHook, deleteHook, resetTriggerToken, updateHook } from '../../entities/hooks/commands/hooks';
import { getHook, listHookGroups, listHooks, listLastFires } from '../../entities/hooks/commands/queries';
import { triggerHook } from '../../entities/hooks/commands/trigger';
import { upcomingFires, type HookView } from '../../entities/hooks/views';
import type { HookFire } from '../../entities/hooks/HookFire';
import { PageArgsInput, toConnection } from '../common/connection';
import type { GatewayContext } from '../context';
import { TaskStatusType, TaskType } from '../queue/types';
import { HookConnection, HookFireConnection, HookFireType, HookInput, HookType, TriggerTokenType } from './types';

const GROUP = { description: 'The hook’s group.' };
const HOOK_ID = { description: 'The hook’s id within its group.' };

@Resolver()
export class HooksResolver {
  @Query(() => HookType, { nullable: true, description: 'One hook, or null if there is none. Open to everyone.' })
  hook(@Ctx() ctx: GatewayContext, @Arg('hookGroupId', () => String, GROUP) hookGroupId: string, @Arg('hookId', () => String, HOOK_ID) hookId: string) {
    return getHook(ctx, { hookGroupId, hookId });
  }

  @Query(() => HookConnection, { description: 'The hooks of a group, in hookId order.' })
  async hooks(@Ctx() ctx: GatewayContext, @Args(() => PageArgsInput) page: PageArgsInput, @Arg('hookGroupId', () => String, GROUP) hookGroupId: string) {
    return toConnection(await listHooks(ctx, { ...page, hookGroupId }), (h) => h.hookId, (h) => h);
  }

  @Query(() => [String], { description: 'Every group that has a hook, in order.' })
  hookGroups(@Ctx() ctx: GatewayContext) {
    return listHookGroups(ctx);
  }

  @Query(() => HookFireConnection, { description: 'A hook’s fires, oldest first (`last: n` for the latest). Needs `hooks:list-last-fires:<hookGroupId>/<hookId>`.' })
  async hookLastFires(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('hookGroupId', () => String, GROUP) hookGroupId: string,
    @Arg('hookId', () => String, HOOK_ID) hookId: string,
  ) {
    return toConnection(await listLastFires(ctx, { ...page, hookGroupId, hookId }), (f) => String(f.id), (f) => f);
  }

  @Mutation(() => HookType, {
    description: 'Creates a hook (idempotent for an identical definition). Needs `hooks:modify-hook:<hookGroupId>/<hookId>` and `assume:hook-id:<hookGroupId>/<hookId>`.',
  })
  createHook(
    @Ctx() ctx: GatewayContext,
    @Arg('hookGroupId', () => String, GROUP) hookGroupId: string,
    @Arg('hookId', () => String, HOOK_ID) hookId: string,
    @Arg('hook', () => HookInput, { description: 'The definition.' }) hook: HookInput,
  ) {
    return createHook(ctx, { hookGroupId, hookId, hook });
  }

  @Mutation(() => HookType, {
    description: 'Replaces a hook’s definition; an unchanged schedule keeps its next fire. Needs `hooks:modify-hook:<hookGroupId>/<hookId>` and `assume:hook-id:<hookGroupId>/<hookId>`.',
  })
  updateHook(
    @Ctx() ctx: GatewayContext,
    @Arg('hookGroupId', () => String, GROUP) hookGroupId: string,
    @Arg('hookId', () => String, HOOK_ID) hookId: string,
    @Arg('hook', () => HookInput, { description: 'The new definition.' }) hook: HookInput,
  ) {
    return updateHook(ctx, { hookGroupId, hookId, hook });
  }

  @Mutation(() => Boolean, { description: 'Deletes a hook and its fire history (true also when it was already gone). Needs `hooks:modify-hook:<hookGroupId>/<hookId>`.' })
  deleteHook(@Ctx() ctx: GatewayContext, @Arg('hookGroupId', () => String, GROUP) hookGroupId: string, @Arg('hookId', () => String, HOOK_ID) hookId: string) {
    return deleteHook(ctx, { hookGroupId, hookId });
  }

  @Mutation(() => TaskStatusType, {
    nullable: true,
    description:
      'Fires a hook now with a payload (checked against its triggerSchema, defaults filled in); null when the template renders to null. Needs `hooks:trigger-hook:<hookGroupId>/<hookId>`.',
  })
  triggerHook(
    @Ctx() ctx: GatewayContext,
    @Arg('hookGroupId', () => String, GROUP) hookGroupId: string,
    @Arg('hookId', () => String, HOOK_ID) hookId: string,
    @Arg('payload', () => JSONResolver, { nullable: true, description: 'The payload (default `{}`).' }) payload?: unknown,
  ) {
    return triggerHook(ctx, { hookGroupId, hookId, payload: payload ?? undefined });
  }

  @Mutation(() => TriggerTokenType, {
    description: 'Issues a new webhook token (the old one stops working), shown this once. Needs `hooks:reset-trigger-token:<hookGroupId>/<hookId>`.',
  })
  async resetTriggerToken(@Ctx() ctx: GatewayContext, @Arg('hookGroupId', () => String, GROUP) hookGroupId: string, @Arg('hookId', () => String, HOOK_ID) hookId: string) {
    const token = await resetTriggerToken(ctx, { hookGroupId, hookId });
    return { token, path: `/hooks/${encodeURIComponent(hookGroupId)}/${encodeURIComponent(hookId)}/trigger/${token}` };
  }
}

@Resolver(() => HookType)
export class HookFieldsResolver {
  @FieldResolver(() => [DateTimeResolver], { description: 'The next scheduled fire times (UTC), starting with nextScheduledDate.' })
  nextScheduledDates(@Root() hook: HookView, @Arg('count', () => Int, { defaultValue: 5, description: 'How many (at most 100).' }) count: number) {
    return upcomingFires(hook, count);
  }
}

@Resolver(() => HookFireType)
export class HookFireFieldsResolver {
  @FieldResolver(() => String, { nullable: true, description: 'The task’s current state (`pending`, `running`, `completed`, …); null while it does not exist (or expired).' })
  async taskState(@Ctx() ctx: GatewayContext, @Root() fire: HookFire) {
    if (fire.result !== 'created' && fire.result !== 'pending') return null;
    return (await ctx.loaders.task.load(fire.taskId))?.status.state ?? null;
  }

  @FieldResolver(() => TaskType, { nullable: true, description: 'The task the fire created, as it is now.' })
  task(@Ctx() ctx: GatewayContext, @Root() fire: HookFire) {
    if (fire.result !== 'created' && fire.result !== 'pending') return null;
    return ctx.loaders.task.load(fire.taskId);
  }
}
