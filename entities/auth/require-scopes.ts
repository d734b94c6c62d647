import type { Core } from '../core';
import { InsufficientScopes } from '../errors';
import type { Caller } from './caller';
import { missingScopeList, missingScopes, ScopeExpression } from './scopes';

const MAX_GRANTING_ROLES = 10;

export interface CommandContext {
  readonly core: Core;
  readonly caller: Caller;
}

/**
 * Throws InsufficientScopes unless the caller satisfies `required`. The error lists what is
 * missing and the roles that would grant it, so the caller knows what to ask for.
 */
export async function requireScopes(ctx: CommandContext, required: ScopeExpression, action: string): Promise<void> {
  if (missingScopes(ctx.caller.scopes, required) === undefined) return;
  const missing = missingScopeList(ctx.caller.scopes, required);
  const resolver = await ctx.core.roles.resolver();
  const roles = new Set<string>();
  for (const scope of missing) {
    for (const roleId of resolver.grantingRoles(scope, MAX_GRANTING_ROLES)) {
      if (roles.size < MAX_GRANTING_ROLES) roles.add(roleId);
    }
  }
  throw new InsufficientScopes(missing, [...roles], action);
}
