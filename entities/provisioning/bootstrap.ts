// `npm start`'s local worker pool: `local/default`, workers on this machine, 0 to 2 of them, so
// a task created on a fresh clone runs with nothing else set up.
import type { Core } from '../core';
import { RequestConflict } from '../errors';
import { createWorkerPool } from './commands/pools';
import type { WorkerPoolInput } from './pool-config';
import { WorkerPool } from './WorkerPool';

export const LOCAL_POOL_ID = 'local/default';

export const LOCAL_POOL: WorkerPoolInput = {
  providerId: 'local',
  description: 'Workers on this machine, started by `npm start`’s cron process as tasks arrive.',
  owner: 'taskgate',
  // Idle workers go after five minutes; a new task brings one back within a provisioning pass.
  config: { minCapacity: 0, maxCapacity: 2, lifecycle: { queueInactivityTimeout: 300, registrationTimeout: 120 } },
};

/**
 * Creates `local/default` unless a pool of that id exists (whatever its definition: an operator's
 * change is kept). Acts as the platform itself, so the audit entry has no clientId. True if created.
 */
export async function ensureLocalPool(core: Core): Promise<boolean> {
  if (await core.db.getRepository(WorkerPool).existsBy({ workerPoolId: LOCAL_POOL_ID })) return false;
  const platform = { core, caller: { clientId: undefined, scopes: ['*'], temporary: false } };
  try {
    await createWorkerPool(platform, { workerPoolId: LOCAL_POOL_ID, pool: LOCAL_POOL });
    return true;
  } catch (error) {
    // Another start created it at the same moment.
    if (error instanceof RequestConflict) return false;
    throw error;
  }
}
