// Commands on worker pools, with Taskcluster's worker-manager scopes. Each change is audited in
// its own transaction. Deleting marks the pool (providerId `null-provider`): the provisioner
// stops its workers, then removes it.
import { recordAudit } from '../../audit/record';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { RequestConflict, ResourceNotFound } from '../../errors';
import { Page, PageArgs, paginate } from '../../pagination';
import { checkWorkerPoolId, normalizePool, WorkerPoolConfig, WorkerPoolInput } from '../pool-config';
import { NULL_PROVIDER, scopesFor } from '../rules';
import { WorkerPool } from '../WorkerPool';

export interface WorkerPoolView {
  workerPoolId: string;
  providerId: string;
  description: string;
  owner: string;
  config: WorkerPoolConfig;
  created: Date;
  lastModified: Date;
}

export async function createWorkerPool(ctx: CommandContext, props: { workerPoolId: string; pool: WorkerPoolInput }): Promise<WorkerPoolView> {
  const { workerPoolId } = props;
  checkWorkerPoolId(workerPoolId);
  const pool = normalizePool(props.pool);
  await requireScopes(ctx, scopesFor.createWorkerPool(workerPoolId, pool.providerId), `createWorkerPool(${workerPoolId})`);
  const now = ctx.core.clock.now();
  const row = Object.assign(new WorkerPool(), { workerPoolId, ...pool, created: now, lastModified: now, leaseOwner: null, leaseUntil: null });
  await inTransaction(ctx.core.db, async (tx) => {
    if (await tx.getRepository(WorkerPool).existsBy({ workerPoolId })) {
      throw new RequestConflict(`worker pool ${workerPoolId} already exists (use updateWorkerPool to change it)`, { workerPoolId });
    }
    await tx.getRepository(WorkerPool).insert(row);
    await recordAudit(tx, ctx, { entityType: 'worker-pool', entityId: workerPoolId, action: 'created' });
  });
  return view(row);
}

/** Replaces the pool's definition (as Taskcluster's updateWorkerPool does); also revives a pool marked for deletion. */
export async function updateWorkerPool(ctx: CommandContext, props: { workerPoolId: string; pool: WorkerPoolInput }): Promise<WorkerPoolView> {
  const { workerPoolId } = props;
  checkWorkerPoolId(workerPoolId);
  const pool = normalizePool(props.pool);
  await requireScopes(ctx, scopesFor.updateWorkerPool(workerPoolId, pool.providerId), `updateWorkerPool(${workerPoolId})`);
  const updated = await inTransaction(ctx.core.db, async (tx) => {
    const row = await tx.getRepository(WorkerPool).findOneBy({ workerPoolId });
    if (!row) throw new ResourceNotFound(`worker pool ${workerPoolId} does not exist`, { workerPoolId });
    Object.assign(row, pool, { lastModified: ctx.core.clock.now() });
    await tx.getRepository(WorkerPool).update({ workerPoolId }, { ...pool, lastModified: row.lastModified });
    await recordAudit(tx, ctx, { entityType: 'worker-pool', entityId: workerPoolId, action: 'updated' });
    return row;
  });
  return view(updated);
}

/**
 * Marks the pool for deletion: its provider becomes `null-provider`, so no worker starts and the
 * provisioner stops those running, then removes the pool. Deleting it again changes nothing.
 */
export async function deleteWorkerPool(ctx: CommandContext, props: { workerPoolId: string }): Promise<WorkerPoolView> {
  const { workerPoolId } = props;
  checkWorkerPoolId(workerPoolId);
  await requireScopes(ctx, scopesFor.deleteWorkerPool(workerPoolId), `deleteWorkerPool(${workerPoolId})`);
  const updated = await inTransaction(ctx.core.db, async (tx) => {
    const row = await tx.getRepository(WorkerPool).findOneBy({ workerPoolId });
    if (!row) throw new ResourceNotFound(`worker pool ${workerPoolId} does not exist`, { workerPoolId });
    if (row.providerId === NULL_PROVIDER) return row;
    row.providerId = NULL_PROVIDER;
    row.lastModified = ctx.core.clock.now();
    await tx.getRepository(WorkerPool).update({ workerPoolId }, { providerId: row.providerId, lastModified: row.lastModified });
    await recordAudit(tx, ctx, { entityType: 'worker-pool', entityId: workerPoolId, action: 'deleted' });
    return row;
  });
  return view(updated);
}

/** Null when there is no such pool. Needs `worker-manager:get-worker-pool:<workerPoolId>`. */
export async function getWorkerPool(ctx: CommandContext, props: { workerPoolId: string }): Promise<WorkerPoolView | null> {
  await requireScopes(ctx, scopesFor.getWorkerPool(props.workerPoolId), 'workerPool');
  const row = await ctx.core.db.getRepository(WorkerPool).findOneBy({ workerPoolId: props.workerPoolId });
  return row ? view(row) : null;
}

/** Every pool, by workerPoolId. Needs `worker-manager:list-worker-pools`. */
export async function listWorkerPools(ctx: CommandContext, props: PageArgs): Promise<Page<WorkerPoolView>> {
  await requireScopes(ctx, scopesFor.listWorkerPools(), 'workerPools');
  const page = await paginate(ctx.core.db.getRepository(WorkerPool).createQueryBuilder('p'), 'p.worker_pool_id', (p) => p.workerPoolId, props);
  return { ...page, nodes: page.nodes.map(view) };
}

export function view(row: WorkerPool): WorkerPoolView {
  const { workerPoolId, providerId, description, owner, config, created, lastModified } = row;
  return { workerPoolId, providerId, description, owner, config, created, lastModified };
}
