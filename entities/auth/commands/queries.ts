// Reading auth state. Listing and inspecting need `auth:list-*` / `auth:get-*` scopes only where
// Taskcluster has them; like Taskcluster, reading clients and roles is open to every caller.
import { In } from 'typeorm';
import { Client } from '../Client';
import { CommandContext } from '../require-scopes';
import { Role } from '../Role';
import { normalizeScopes, satisfies, validateScope } from '../scopes';
import { InputError } from '../../errors';
import { likePrefix, Page, PageArgs, paginate, startsWith } from '../../pagination';
import { clientView, ClientView } from './clients';
import { roleView, RoleView } from './roles';

export async function expandScopes(ctx: CommandContext, props: { scopes: string[] }): Promise<string[]> {
  for (const scope of props.scopes) {
    const problem = validateScope(scope);
    if (problem) throw new InputError(`scopes: ${problem}`, { scope });
  }
  return (await ctx.core.roles.resolver()).expand(normalizeScopes(props.scopes));
}

/** Clients by id in one query, in the order asked (null where there is none). */
export async function getClients(ctx: CommandContext, props: { clientIds: readonly string[] }): Promise<(ClientView | null)[]> {
  const rows = await ctx.core.db.getRepository(Client).findBy({ clientId: In([...props.clientIds]) });
  const byId = new Map(await Promise.all(rows.map(async (row) => [row.clientId, await clientView(ctx, row)] as const)));
  return props.clientIds.map((id) => byId.get(id) ?? null);
}

export async function listClients(ctx: CommandContext, props: PageArgs & { prefix?: string | null }): Promise<Page<ClientView>> {
  const query = ctx.core.db.getRepository(Client).createQueryBuilder('c');
  if (props.prefix) query.where(startsWith('c.client_id', 'prefix'), { prefix: likePrefix(props.prefix) });
  const page = await paginate(query, 'c.client_id', (c) => c.clientId, props);
  return { ...page, nodes: await Promise.all(page.nodes.map((row) => clientView(ctx, row))) };
}

/** Roles by id in one query, in the order asked (null where there is none). */
export async function getRoles(ctx: CommandContext, props: { roleIds: readonly string[] }): Promise<(RoleView | null)[]> {
  const rows = await ctx.core.db.getRepository(Role).findBy({ roleId: In([...props.roleIds]) });
  const byId = new Map(await Promise.all(rows.map(async (row) => [row.roleId, await roleView(ctx, row)] as const)));
  return props.roleIds.map((id) => byId.get(id) ?? null);
}

export async function listRoles(ctx: CommandContext, props: PageArgs & { prefix?: string | null }): Promise<Page<RoleView>> {
  const query = ctx.core.db.getRepository(Role).createQueryBuilder('r');
  if (props.prefix) query.where(startsWith('r.role_id', 'prefix'), { prefix: likePrefix(props.prefix) });
  const page = await paginate(query, 'r.role_id', (r) => r.roleId, props);
  return { ...page, nodes: await Promise.all(page.nodes.map((row) => roleView(ctx, row))) };
}

export interface ScopeHolders {
  scope: string;
  roles: string[];
  clients: string[];
  /** True when a list was cut at `limit`. */
  truncated: boolean;
}

/** The scope inspector: which roles (through `assume:`) and which clients satisfy `scope`. */
export async function scopeHolders(ctx: CommandContext, props: { scope: string; limit?: number }): Promise<ScopeHolders> {
  const problem = validateScope(props.scope);
  if (problem) throw new InputError(`scope: ${problem}`);
  const limit = Math.min(props.limit ?? 1000, 1000);
  const resolver = await ctx.core.roles.resolver();
  const roles = resolver.grantingRoles(props.scope, limit + 1);
  const clients: string[] = [];
  const rows = await ctx.core.db.getRepository(Client).find({ select: { clientId: true, scopes: true }, order: { clientId: 'ASC' } });
  for (const row of rows) {
    if (clients.length > limit) break;
    if (satisfies(resolver.expand(row.scopes), [props.scope])) clients.push(row.clientId);
  }
  const truncated = roles.length > limit || clients.length > limit;
  return { scope: props.scope, roles: roles.slice(0, limit), clients: clients.slice(0, limit), truncated };
}

