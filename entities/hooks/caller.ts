// The caller a hook's tasks are created as: whoever holds the role `hook-id:<group>/<id>`. That
// is why creating or changing a hook needs `assume:hook-id:<group>/<id>`: a hook can never create
// a task its author could not.
import type { Caller } from '../auth/caller';
import type { Core } from '../core';

export function hookRole(hookGroupId: string, hookId: string): string {
  return `hook-id:${hookGroupId}/${hookId}`;
}

export async function hookCaller(core: Core, hookGroupId: string, hookId: string): Promise<Caller> {
  const resolver = await core.roles.resolver();
  return { clientId: undefined, scopes: resolver.expand([`assume:${hookRole(hookGroupId, hookId)}`]), temporary: false };
}
