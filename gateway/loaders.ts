// One DataLoader per type and request: every by-id lookup in one tick becomes one SQL query.
import DataLoader from 'dataloader';
import type { ClientView } from '../entities/auth/commands/clients';
import { getClients, getRoles } from '../entities/auth/commands/queries';
import type { RoleView } from '../entities/auth/commands/roles';
import type { CommandContext } from '../entities/auth/require-scopes';
import { getTasks, type TaskView } from '../entities/queue/commands/queries';

export interface Loaders {
  client: DataLoader<string, ClientView | null>;
  role: DataLoader<string, RoleView | null>;
  task: DataLoader<string, TaskView | null>;
}

export function createLoaders(ctx: CommandContext): Loaders {
  return {
    client: new DataLoader((clientIds) => getClients(ctx, { clientIds })),
    role: new DataLoader((roleIds) => getRoles(ctx, { roleIds })),
    task: new DataLoader((taskIds) => getTasks(ctx, { taskIds })),
  };
}
