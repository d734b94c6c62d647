// One DataLoader per type and request: every by-id lookup in one tick becomes one SQL query.
import DataLoader from 'dataloader';
import type { ClientView } from '../entities/auth/commands/clients';
import { getClients, getRoles } from '../entities/auth/commands/queries';
import type { RoleView } from '../entities/auth/commands/roles';
import type { CommandContext } from '../entities/auth/require-scopes';
import { getTasks, type TaskView } from '../entities/queue/commands/queries';
import { getSecrets, type SecretView } from '../entities/secrets/commands';
import { poolStats, type PoolStats } from '../entities/provisioning/capacity';

export interface Loaders {
  client: DataLoader<string, ClientView | null>;
  role: DataLoader<string, RoleView | null>;
  task: DataLoader<string, TaskView | null>;
  secret: DataLoader<string, SecretView | null>;
  /** Counts of a pool the caller could already read (no scope check of its own). */
  workerPoolStats: DataLoader<string, PoolStats>;
}

export function createLoaders(ctx: CommandContext): Loaders {
  return {
    client: new DataLoader((clientIds) => getClients(ctx, { clientIds })),
    role: new DataLoader((roleIds) => getRoles(ctx, { roleIds })),
    task: new DataLoader((taskIds) => getTasks(ctx, { taskIds })),
    secret: new DataLoader((names) => getSecrets(ctx, { names })),
    workerPoolStats: new DataLoader(async (ids) => {
      const stats = await poolStats(ctx.core.db, ids);
      return ids.map((id) => stats.get(id)!);
    }),
  };
}
