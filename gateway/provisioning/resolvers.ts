// Worker-pool resolvers: each is input → one command → output type.
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { listWorkerPoolErrors } from '../../entities/provisioning/commands/errors';
import { createWorkerPool, deleteWorkerPool, getWorkerPool, listWorkerPools, updateWorkerPool, type WorkerPoolView } from '../../entities/provisioning/commands/pools';
import { getWorker, listWorkers, registerWorker, removeWorker, type WorkerView } from '../../entities/provisioning/commands/workers';
import type { WorkerPoolError } from '../../entities/provisioning/WorkerPoolError';
import type { GatewayContext } from '../context';
import { PageArgsInput, toConnection } from '../common/connection';
import {
  WorkerConnection,
  WorkerPoolConnection,
  WorkerPoolErrorConnection,
  WorkerPoolInput,
  WorkerPoolStatsType,
  WorkerPoolType,
  WorkerRegistrationType,
  WorkerType,
} from './types';

const POOL_ARG = { description: '`<provisionerId>/<workerType>`.' };
const same = <T>(x: T) => x;

@Resolver()
export class ProvisioningResolver {
  @Query(() => WorkerPoolType, { nullable: true, description: 'A worker pool, or null if there is none. Needs `worker-manager:get-worker-pool:<workerPoolId>`.' })
  workerPool(@Ctx() ctx: GatewayContext, @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string) {
    return getWorkerPool(ctx, { workerPoolId });
  }

  @Query(() => WorkerPoolConnection, { description: 'Every worker pool, by workerPoolId. Needs `worker-manager:list-worker-pools`.' })
  async workerPools(@Ctx() ctx: GatewayContext, @Args(() => PageArgsInput) page: PageArgsInput) {
    return toConnection(await listWorkerPools(ctx, page), (p) => p.workerPoolId, same);
  }

  @Query(() => WorkerConnection, { description: 'A pool’s workers, oldest first, optionally in one state. Needs `worker-manager:list-workers:<workerPoolId>`.' })
  async workers(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('state', () => String, { nullable: true, description: '`requested`, `running`, `stopping` or `stopped`; all when left out.' }) state?: string | null,
  ) {
    const result = await listWorkers(ctx, { ...page, workerPoolId, state });
    return toConnection(result, (w: WorkerView) => String(w.id), same);
  }

  @Query(() => WorkerType, { nullable: true, description: 'One worker, or null. Needs `worker-manager:get-worker:<workerPoolId>/<workerGroup>/<workerId>`.' })
  worker(
    @Ctx() ctx: GatewayContext,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('workerGroup', () => String, { description: 'The worker’s group.' }) workerGroup: string,
    @Arg('workerId', () => String, { description: 'The worker’s id.' }) workerId: string,
  ) {
    return getWorker(ctx, { workerPoolId, workerGroup, workerId });
  }

  @Query(() => WorkerPoolErrorConnection, { description: 'A pool’s errors, oldest first (kept 7 days). Needs `worker-manager:list-worker-pool-errors:<workerPoolId>`.' })
  async workerPoolErrors(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('launchConfigId', () => String, { nullable: true, description: 'Only the errors of this launch config.' }) launchConfigId?: string | null,
  ) {
    const result = await listWorkerPoolErrors(ctx, { ...page, workerPoolId, launchConfigId });
    return toConnection(result, (e) => String(e.id), (e: WorkerPoolError) => ({ ...e, errorId: String(e.id) }));
  }

  @Mutation(() => WorkerPoolType, {
    description:
      'Creates a worker pool; cron starts its workers. Needs `worker-manager:manage-worker-pool:<workerPoolId>`, `worker-manager:provider:<providerId>`, and what its workers get: `queue:claim-work:<workerPoolId>` and `assume:worker-pool:<workerPoolId>`.',
  })
  createWorkerPool(
    @Ctx() ctx: GatewayContext,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('pool', () => WorkerPoolInput, { description: 'The definition.' }) pool: WorkerPoolInput,
  ) {
    return createWorkerPool(ctx, { workerPoolId, pool });
  }

  @Mutation(() => WorkerPoolType, {
    description: 'Replaces a pool’s definition (also revives one marked for deletion). Needs `worker-manager:manage-worker-pool:<workerPoolId>` and `worker-manager:provider:<providerId>`.',
  })
  updateWorkerPool(
    @Ctx() ctx: GatewayContext,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('pool', () => WorkerPoolInput, { description: 'The whole new definition.' }) pool: WorkerPoolInput,
  ) {
    return updateWorkerPool(ctx, { workerPoolId, pool });
  }

  @Mutation(() => WorkerPoolType, {
    description:
      'Marks a pool for deletion (providerId `null-provider`): its workers are stopped, then the pool is removed. Needs `worker-manager:manage-worker-pool:<workerPoolId>`.',
  })
  deleteWorkerPool(@Ctx() ctx: GatewayContext, @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string) {
    return deleteWorkerPool(ctx, { workerPoolId });
  }

  @Mutation(() => WorkerType, {
    description: 'Asks for a worker to be stopped (SIGTERM for a local worker). Needs `worker-manager:remove-worker:<workerPoolId>/<workerGroup>/<workerId>`; a worker holds it for itself.',
  })
  removeWorker(
    @Ctx() ctx: GatewayContext,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('workerGroup', () => String, { description: 'The worker’s group.' }) workerGroup: string,
    @Arg('workerId', () => String, { description: 'The worker’s id.' }) workerId: string,
  ) {
    return removeWorker(ctx, { workerPoolId, workerGroup, workerId });
  }

  @Mutation(() => WorkerRegistrationType, {
    description:
      'A started worker exchanges its one-time registration token for credentials of its pool. Needs no scopes: the token is the proof. Refused for a used, wrong or expired token, or a worker of another pool.',
  })
  registerWorker(
    @Ctx() ctx: GatewayContext,
    @Arg('workerPoolId', () => String, POOL_ARG) workerPoolId: string,
    @Arg('workerGroup', () => String, { description: 'The worker’s group, as its provider named it.' }) workerGroup: string,
    @Arg('workerId', () => String, { description: 'The worker’s id, as its provider named it.' }) workerId: string,
    @Arg('registrationToken', () => String, { description: 'The token its provider gave it (TASKGATE_REGISTRATION_TOKEN).' }) registrationToken: string,
  ) {
    return registerWorker(ctx, { workerPoolId, workerGroup, workerId, registrationToken });
  }
}

@Resolver(() => WorkerPoolType)
export class WorkerPoolFieldsResolver {
  @FieldResolver(() => WorkerPoolStatsType, { description: 'What the pool has now and what its queue asks for.' })
  async stats(@Ctx() ctx: GatewayContext, @Root() pool: WorkerPoolView) {
    const s = await ctx.loaders.workerPoolStats.load(pool.workerPoolId);
    return { ...s, currentCapacity: s.requestedCapacity + s.runningCapacity };
  }
}
