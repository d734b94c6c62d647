// Reading and removing workers, and registration: the one-time token a provider gave a worker
// process is exchanged for credentials scoped to that worker's pool.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { accessTokenMatches } from '../../auth/tokens';
import { inTransaction } from '../../db/transaction';
import { AuthenticationFailed, InputError, ResourceExpired, ResourceNotFound } from '../../errors';
import { Page, PageArgs, paginate } from '../../pagination';
import { checkWorkerIdentity } from '../../queue/commands/worker-identity';
import { workerCredentials } from '../credentials';
import { moveWorker } from '../lifecycle';
import { checkWorkerPoolId } from '../pool-config';
import { scopesFor, WORKER_STATES, WorkerState } from '../rules';
import { Worker } from '../Worker';
import { WorkerPool } from '../WorkerPool';
import type { TemporaryCredentials } from '../../auth/temporary-credentials';

export interface WorkerView {
  /** Creation order; the list's cursor key (not an API field). */
  id: number;
  workerPoolId: string;
  workerGroup: string;
  workerId: string;
  providerId: string;
  launchConfigId: string | null;
  capacity: number;
  state: WorkerState;
  stopReason: string | null;
  created: Date;
  lastModified: Date;
  registrationDeadline: Date;
  registered: Date | null;
  lastActive: Date | null;
  expires: Date | null;
}

export interface WorkerRegistrationView {
  workerPoolId: string;
  workerGroup: string;
  workerId: string;
  credentials: TemporaryCredentials;
  expires: Date;
}

/** A pool's workers in creation order, optionally in one state. Needs `worker-manager:list-workers:<workerPoolId>`. */
export async function listWorkers(ctx: CommandContext, props: PageArgs & { workerPoolId: string; state?: string | null }): Promise<Page<WorkerView>> {
  checkWorkerPoolId(props.workerPoolId);
  if (props.state != null && !(WORKER_STATES as readonly string[]).includes(props.state)) {
    throw new InputError(`state must be one of ${WORKER_STATES.join(', ')}`, { field: 'state' });
  }
  await requireScopes(ctx, scopesFor.listWorkers(props.workerPoolId), 'workers');
  const query = ctx.core.db.getRepository(Worker).createQueryBuilder('w').where('w.worker_pool_id = :p', { p: props.workerPoolId });
  if (props.state != null) query.andWhere('w.state = :s', { s: props.state });
  const page = await paginate(query, 'w.id', (w) => String(w.id), props, (key) => Number(key));
  return { ...page, nodes: page.nodes.map(workerView) };
}

/** Null when there is no such worker. Needs `worker-manager:get-worker:<workerPoolId>/<workerGroup>/<workerId>`. */
export async function getWorker(ctx: CommandContext, props: { workerPoolId: string; workerGroup: string; workerId: string }): Promise<WorkerView | null> {
  await requireScopes(ctx, scopesFor.getWorker(props.workerPoolId, props.workerGroup, props.workerId), 'worker');
  const row = await ctx.core.db.getRepository(Worker).findOneBy({ ...props });
  return row ? workerView(row) : null;
}

/**
 * Asks for a worker to be stopped: it becomes `stopping` and its provider ends it at the next
 * provisioning pass. A worker may remove itself. Removing a stopped worker changes nothing.
 */
export async function removeWorker(ctx: CommandContext, props: { workerPoolId: string; workerGroup: string; workerId: string }): Promise<WorkerView> {
  await requireScopes(ctx, scopesFor.removeWorker(props.workerPoolId, props.workerGroup, props.workerId), 'removeWorker');
  const row = await ctx.core.db.getRepository(Worker).findOneBy({ ...props });
  if (!row) throw new ResourceNotFound(`worker ${props.workerGroup}/${props.workerId} of pool ${props.workerPoolId} does not exist`, props);
  await moveWorker(ctx.core, row, ['requested', 'running'], 'stopping', { stopReason: 'removed' });
  return workerView((await ctx.core.db.getRepository(Worker).findOneBy({ id: row.id }))!);
}

/**
 * Exchanges a worker's one-time registration token for credentials of its pool: the worker
 * becomes `running`. Needs no scopes — the token is the proof. Refused for an unknown worker (or
 * one of another pool), a token already used, a wrong one, or one past lifecycle.registrationTimeout.
 */
export async function registerWorker(
  ctx: CommandContext,
  props: { workerPoolId: string; workerGroup: string; workerId: string; registrationToken: string },
): Promise<WorkerRegistrationView> {
  const { workerPoolId, workerGroup, workerId } = props;
  checkWorkerPoolId(workerPoolId);
  checkWorkerIdentity(workerGroup, workerId);
  const { core } = ctx;
  const now = core.clock.now();
  const registered = await inTransaction(core.db, async (tx) => {
    const worker = await tx.getRepository(Worker).findOneBy({ workerPoolId, workerGroup, workerId });
    if (!worker) throw new AuthenticationFailed(`no worker ${workerGroup}/${workerId} was requested in pool ${workerPoolId}`, { workerPoolId, workerGroup, workerId });
    if (worker.state !== 'requested' || !worker.registrationTokenHash) {
      throw new AuthenticationFailed(`worker ${workerGroup}/${workerId} is ${worker.state}: a registration token works once, for a requested worker`, {
        state: worker.state,
      });
    }
    if (!accessTokenMatches(props.registrationToken, worker.registrationTokenHash)) {
      throw new AuthenticationFailed(`the registration token of worker ${workerGroup}/${workerId} is wrong`);
    }
    if (worker.registrationDeadline.getTime() <= now.getTime()) {
      throw new ResourceExpired(`the registration token of worker ${workerGroup}/${workerId} expired at ${worker.registrationDeadline.toISOString()}`, {
        expired: worker.registrationDeadline.toISOString(),
      });
    }
    const pool = await tx.getRepository(WorkerPool).findOneBy({ workerPoolId });
    const lifetime = (pool?.config.lifecycle.reregistrationTimeout ?? 4 * 86_400) * 1000;
    const expires = new Date(now.getTime() + lifetime);
    // Conditional on the token still being unused, so two registrations cannot both succeed.
    const result = await tx
      .getRepository(Worker)
      .createQueryBuilder()
      .update()
      .set({ state: 'running', registrationTokenHash: null, registered: now, lastActive: now, expires, lastModified: now })
      .where('id = :id AND state = :requested AND registration_token_hash = :hash', { id: worker.id, requested: 'requested', hash: worker.registrationTokenHash })
      .execute();
    if (!result.affected) throw new AuthenticationFailed(`worker ${workerGroup}/${workerId} registered already: a registration token works once`);
    return { expires };
  });
  const credentials = workerCredentials(core.credentialsKey, { workerPoolId, workerGroup, workerId, start: now, expiry: registered.expires });
  core.log.info({ workerPoolId, workerGroup, workerId }, 'worker registered');
  return { workerPoolId, workerGroup, workerId, credentials, expires: registered.expires };
}

export function workerView(row: Worker): WorkerView {
  return {
    id: row.id,
    workerPoolId: row.workerPoolId,
    workerGroup: row.workerGroup,
    workerId: row.workerId,
    providerId: row.providerId,
    launchConfigId: row.launchConfigId,
    capacity: row.capacity,
    state: row.state,
    stopReason: row.stopReason,
    created: row.created,
    lastModified: row.lastModified,
    registrationDeadline: row.registrationDeadline,
    registered: row.registered,
    lastActive: row.lastActive,
    expires: row.expires,
  };
}
