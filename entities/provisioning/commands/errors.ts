// Reading a pool's errors: failed launches, workers that never registered.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { Page, PageArgs, paginate } from '../../pagination';
import { checkWorkerPoolId } from '../pool-config';
import { scopesFor } from '../rules';
import { WorkerPoolError } from '../WorkerPoolError';

/** Oldest first. Needs `worker-manager:list-worker-pool-errors:<workerPoolId>`. */
export async function listWorkerPoolErrors(
  ctx: CommandContext,
  props: PageArgs & { workerPoolId: string; launchConfigId?: string | null },
): Promise<Page<WorkerPoolError>> {
  checkWorkerPoolId(props.workerPoolId);
  await requireScopes(ctx, scopesFor.listWorkerPoolErrors(props.workerPoolId), 'workerPoolErrors');
  const query = ctx.core.db.getRepository(WorkerPoolError).createQueryBuilder('e').where('e.worker_pool_id = :p', { p: props.workerPoolId });
  if (props.launchConfigId != null) query.andWhere('e.launch_config_id = :lc', { lc: props.launchConfigId });
  return paginate(query, 'e.id', (e) => String(e.id), props, (key) => Number(key));
}
