// Auth resolvers: each is input → one command → output type.
import { Arg, Args, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import {
  createClient,
  deleteClient,
  disableClient,
  enableClient,
  resetAccessToken,
  updateClient,
} from '../../entities/auth/commands/clients';
import { expandScopes, listClients, listRoles, scopeHolders } from '../../entities/auth/commands/queries';
import { createRole, deleteRole, RoleChange, updateRole } from '../../entities/auth/commands/roles';
import { createTemporaryCredentials } from '../../entities/auth/commands/temporary';
import { ROLES_CHANGED } from '../../entities/auth/role-cache';
import type { GatewayContext } from '../context';
import { PageArgsInput, toConnection } from '../common/connection';
import { eventStream } from '../common/event-stream';
import {
  ClientConnection,
  ClientInput,
  ClientType,
  ClientUpdateInput,
  CreatedClient,
  RoleChangeType,
  RoleConnection,
  RoleInput,
  RoleType,
  ScopeHoldersType,
  TemporaryCredentialsType,
  WhoAmI,
} from './types';

const same = <T>(x: T) => x;

@Resolver()
export class AuthResolver {
  @Query(() => [String], { description: 'The caller’s scopes, with roles expanded (always includes `assume:anonymous`).' })
  currentScopes(@Ctx() ctx: GatewayContext): string[] {
    return [...ctx.caller.scopes];
  }

  @Query(() => WhoAmI, { description: 'Who the caller is: clientId and expanded scopes.' })
  whoAmI(@Ctx() ctx: GatewayContext): WhoAmI {
    return { clientId: ctx.caller.clientId ?? null, scopes: [...ctx.caller.scopes], temporary: ctx.caller.temporary };
  }

  @Query(() => [String], { description: 'Expands a scope set: every role it can assume, recursively, normalized.' })
  expandScopes(@Ctx() ctx: GatewayContext, @Arg('scopes', () => [String], { description: 'The scopes to expand.' }) scopes: string[]) {
    return expandScopes(ctx, { scopes });
  }

  @Query(() => ClientType, { nullable: true, description: 'One client, or null if there is none.' })
  client(@Ctx() ctx: GatewayContext, @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string) {
    return ctx.loaders.client.load(clientId);
  }

  @Query(() => ClientConnection, { description: 'Clients in clientId order, optionally those starting with a prefix.' })
  async clients(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('prefix', () => String, { nullable: true, description: 'Only clients whose id starts with this.' }) prefix?: string | null,
  ) {
    return toConnection(await listClients(ctx, { ...page, prefix }), (c) => c.clientId, same);
  }

  @Query(() => RoleType, { nullable: true, description: 'One role, or null if there is none.' })
  role(@Ctx() ctx: GatewayContext, @Arg('roleId', () => String, { description: 'The role’s id.' }) roleId: string) {
    return ctx.loaders.role.load(roleId);
  }

  @Query(() => RoleConnection, { description: 'Roles in roleId order, optionally those starting with a prefix.' })
  async roles(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('prefix', () => String, { nullable: true, description: 'Only roles whose id starts with this.' }) prefix?: string | null,
  ) {
    return toConnection(await listRoles(ctx, { ...page, prefix }), (r) => r.roleId, same);
  }

  @Query(() => ScopeHoldersType, { description: 'The scope inspector: which roles and clients satisfy a scope.' })
  scopeHolders(
    @Ctx() ctx: GatewayContext,
    @Arg('scope', () => String, { description: 'The scope to look for.' }) scope: string,
    @Arg('limit', () => Int, { nullable: true, description: 'At most this many roles and clients each (≤ 1000).' }) limit?: number | null,
  ) {
    return scopeHolders(ctx, { scope, limit: limit ?? undefined });
  }

  @Mutation(() => CreatedClient, { description: 'Creates a client. Needs `auth:create-client:<clientId>` and every scope given. The access token is in the answer, once.' })
  createClient(
    @Ctx() ctx: GatewayContext,
    @Arg('clientId', () => String, { description: 'The new client’s id.' }) clientId: string,
    @Arg('client', () => ClientInput, { description: 'The new client.' }) client: ClientInput,
  ) {
    return createClient(ctx, { clientId, client });
  }

  @Mutation(() => ClientType, { description: 'Changes a client. Needs `auth:update-client:<clientId>` and every scope it adds.' })
  updateClient(
    @Ctx() ctx: GatewayContext,
    @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string,
    @Arg('client', () => ClientUpdateInput, { description: 'What to change.' }) client: ClientUpdateInput,
  ) {
    return updateClient(ctx, {
      clientId,
      client: {
        scopes: client.scopes ?? undefined,
        description: client.description ?? undefined,
        expires: client.expires ?? undefined,
        deleteOnExpiration: client.deleteOnExpiration ?? undefined,
      },
    });
  }

  @Mutation(() => CreatedClient, { description: 'Replaces a client’s access token. Needs `auth:reset-access-token:<clientId>`. The new token is in the answer, once.' })
  resetAccessToken(@Ctx() ctx: GatewayContext, @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string) {
    return resetAccessToken(ctx, { clientId });
  }

  @Mutation(() => ClientType, { description: 'Lets a disabled client authenticate again. Needs `auth:enable-client:<clientId>` and the client’s scopes.' })
  enableClient(@Ctx() ctx: GatewayContext, @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string) {
    return enableClient(ctx, { clientId });
  }

  @Mutation(() => ClientType, { description: 'Stops a client from authenticating. Needs `auth:disable-client:<clientId>`.' })
  disableClient(@Ctx() ctx: GatewayContext, @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string) {
    return disableClient(ctx, { clientId });
  }

  @Mutation(() => Boolean, { description: 'Deletes a client (succeeds if it is already gone). Needs `auth:delete-client:<clientId>`.' })
  deleteClient(@Ctx() ctx: GatewayContext, @Arg('clientId', () => String, { description: 'The client’s id.' }) clientId: string) {
    return deleteClient(ctx, { clientId });
  }

  @Mutation(() => RoleType, { description: 'Creates a role. Needs `auth:create-role:<roleId>` and every scope it grants.' })
  createRole(
    @Ctx() ctx: GatewayContext,
    @Arg('roleId', () => String, { description: 'The new role’s id.' }) roleId: string,
    @Arg('role', () => RoleInput, { description: 'The role’s scopes and description.' }) role: RoleInput,
  ) {
    return createRole(ctx, { roleId, role: { scopes: role.scopes, description: role.description ?? undefined } });
  }

  @Mutation(() => RoleType, { description: 'Replaces a role’s scopes. Needs `auth:update-role:<roleId>` and every scope it adds.' })
  updateRole(
    @Ctx() ctx: GatewayContext,
    @Arg('roleId', () => String, { description: 'The role’s id.' }) roleId: string,
    @Arg('role', () => RoleInput, { description: 'The role’s new scopes and description.' }) role: RoleInput,
  ) {
    return updateRole(ctx, { roleId, role: { scopes: role.scopes, description: role.description ?? undefined } });
  }

  @Mutation(() => Boolean, { description: 'Deletes a role (succeeds if it is already gone). Needs `auth:delete-role:<roleId>`.' })
  deleteRole(@Ctx() ctx: GatewayContext, @Arg('roleId', () => String, { description: 'The role’s id.' }) roleId: string) {
    return deleteRole(ctx, { roleId });
  }

  @Mutation(() => TemporaryCredentialsType, { description: 'Issues temporary credentials acting as the caller with some of its scopes, for at most 31 days.' })
  createTemporaryCredentials(
    @Ctx() ctx: GatewayContext,
    @Arg('scopes', () => [String], { description: 'Scopes of the credentials; the caller must hold each.' }) scopes: string[],
    @Arg('expiry', () => DateTimeResolver, { description: 'When they stop working (at most 31 days after start).' }) expiry: Date,
    @Arg('start', () => DateTimeResolver, { nullable: true, description: 'When they start working (default: now).' }) start?: Date | null,
  ) {
    return createTemporaryCredentials(ctx, { scopes, expiry, start });
  }

  @Subscription(() => RoleChangeType, {
    description: 'Every role change, optionally only for role ids starting with a prefix.',
    subscribe: ({ args, context }) =>
      eventStream<RoleChange>((context as GatewayContext).core.events, ROLES_CHANGED, (e) => e.roleId.startsWith(args.prefix ?? '')),
  })
  roleChanged(
    @Root() change: RoleChange,
    @Arg('prefix', () => String, { nullable: true, description: 'Only roles whose id starts with this.' }) _prefix?: string | null,
  ): RoleChange {
    return change;
  }
}
