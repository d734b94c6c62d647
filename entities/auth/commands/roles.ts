// Commands on roles. A role grants its scopes to everyone holding `assume:<roleId>`, so the
// caller must hold every scope a change adds — for parameterized roles, as if `<..>` were `*`,
// the most a holder could get out of it. Changes that would make roles depend on each other in
// a cycle are refused. Each change bumps the roles generation in the same transaction and tells
// the other processes through the event bus.
import type { EntityManager } from 'typeorm';
import { InputError, RequestConflict, ResourceNotFound } from '../../errors';
import { recordAudit } from '../../audit/record';
import { inTransaction } from '../../db/transaction';
import { AuthState } from '../AuthState';
import { CommandContext, requireScopes } from '../require-scopes';
import { Role } from '../Role';
import { ROLES_CHANGED } from '../role-cache';
import { findRoleCycle, validateRoleDefinition } from '../role-resolver';
import { normalizeScopes, satisfies } from '../scopes';
import { checkDescription, checkRoleId, checkScopes } from '../validation';

export interface RoleInput {
  scopes: string[];
  description?: string;
}

/** The event published on ROLES_CHANGED. */
export interface RoleChange {
  roleId: string;
  change: 'created' | 'updated' | 'deleted';
}

export interface RoleView {
  roleId: string;
  scopes: string[];
  expandedScopes: string[];
  description: string;
  created: Date;
  lastModified: Date;
}

export async function createRole(ctx: CommandContext, props: { roleId: string; role: RoleInput }): Promise<RoleView> {
  const { roleId, role } = props;
  const scopes = checkedRole(roleId, role);
  await requireScopes(ctx, { AllOf: [`auth:create-role:${roleId}`, ...mostGranted(scopes)] }, `createRole(${roleId})`);
  const now = ctx.core.clock.now();
  const row = Object.assign(new Role(), { roleId, scopes, description: role.description ?? '', created: now, lastModified: now });
  await changeRoles(ctx, { roleId, change: 'created' }, async (tx, all) => {
    if (all.some((r) => r.roleId === roleId)) throw new RequestConflict(`role ${roleId} already exists`, { roleId });
    refuseCycle([...all, row]);
    await tx.getRepository(Role).insert(row);
  });
  return view(ctx, row);
}

export async function updateRole(ctx: CommandContext, props: { roleId: string; role: RoleInput }): Promise<RoleView> {
  const { roleId, role } = props;
  const scopes = checkedRole(roleId, role);
  let updated!: Role;
  await changeRoles(ctx, { roleId, change: 'updated' }, async (tx, all) => {
    const row = all.find((r) => r.roleId === roleId);
    if (!row) throw new ResourceNotFound(`role ${roleId} does not exist`, { roleId });
    const had = mostGranted(row.scopes);
    const added = mostGranted(scopes).filter((scope) => !satisfies(had, [scope]));
    await requireScopes(ctx, { AllOf: [`auth:update-role:${roleId}`, ...added] }, `updateRole(${roleId})`);
    row.scopes = scopes;
    if (role.description !== undefined) row.description = role.description;
    row.lastModified = ctx.core.clock.now();
    refuseCycle(all);
    await tx.getRepository(Role).save(row);
    updated = row;
  });
  return view(ctx, updated);
}

/** Deleting is idempotent: deleting a role that is gone succeeds (and is not audited). */
export async function deleteRole(ctx: CommandContext, props: { roleId: string }): Promise<boolean> {
  const { roleId } = props;
  checkRoleId(roleId);
  await requireScopes(ctx, `auth:delete-role:${roleId}`, `deleteRole(${roleId})`);
  await changeRoles(ctx, { roleId, change: 'deleted' }, async (tx, all) => {
    if (!all.some((r) => r.roleId === roleId)) return 'unchanged';
    await tx.getRepository(Role).delete({ roleId });
  });
  return true;
}

export async function roleView(ctx: CommandContext, row: Role): Promise<RoleView> {
  return view(ctx, row);
}

/**
 * Runs `change` with every role loaded, serialized against other role changes: the generation
 * bump comes first, so it takes the write lock (the row lock on MySQL, the database on SQLite)
 * before anything is read.
 */
async function changeRoles(
  ctx: CommandContext,
  event: RoleChange,
  change: (tx: EntityManager, all: Role[]) => Promise<void | 'unchanged'>,
): Promise<void> {
  await inTransaction(ctx.core.db, async (tx) => {
    await tx.getRepository(AuthState).increment({ name: 'roles' }, 'generation', 1);
    const all = await tx.getRepository(Role).find();
    if ((await change(tx, all)) === 'unchanged') return;
    await recordAudit(tx, ctx, { entityType: 'role', entityId: event.roleId, action: event.change });
  });
  ctx.core.roles.invalidate();
  await ctx.core.events.publish(ROLES_CHANGED, event).catch((error) => {
    // Other replicas still notice through the generation counter.
    ctx.core.log.warn({ err: error }, 'could not publish a roles change');
  });
}

function checkedRole(roleId: string, role: RoleInput): string[] {
  checkRoleId(roleId);
  const scopes = normalizeScopes(role.scopes);
  checkScopes(scopes);
  checkDescription(role.description ?? '');
  const problem = validateRoleDefinition({ roleId, scopes });
  if (problem) throw new InputError(problem, { field: 'scopes' });
  return scopes;
}

/**
 * What a role can grant at most: `<..>` is replaced by whatever follows the role's star in an
 * assume scope, and the widest such value is `*` (the scope is then cut after it).
 */
export function mostGranted(scopes: readonly string[]): string[] {
  return normalizeScopes(scopes.map((scope) => {
    const at = scope.indexOf('<..>');
    return at === -1 ? scope : `${scope.slice(0, at)}*`;
  }));
}

function refuseCycle(roles: Role[]): void {
  const cycle = findRoleCycle(roles);
  if (cycle) {
    throw new InputError(`this change would make roles depend on each other in a cycle: ${cycle.join(' → ')}`, { cycle });
  }
}

async function view(ctx: CommandContext, row: Role): Promise<RoleView> {
  const resolver = await ctx.core.roles.resolver();
  return { ...row, scopes: [...row.scopes], expandedScopes: resolver.expand([`assume:${row.roleId}`]) };
}
