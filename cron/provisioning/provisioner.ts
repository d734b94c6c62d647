// One provisioning pass over every worker pool, as the cron job runs it every few seconds. For
// each pool this process holds the lease of (entities/provisioning/lease.ts):
//   1. workers that must stop become `stopping`: never registered in time, silent past
//      queueInactivityTimeout, credentials expired, pool deleted or moved to another provider,
//      or outliving the cron process that started them (shutting down, it claims nothing more);
//   2. their provider ends each `stopping` worker; once gone it is `stopped` (a provider that saw
//      it end has resolved the runs it still held: see resolveRunsOfGoneWorker);
//   3. a pool marked for deletion with no worker left is removed;
//   4. the estimator says how much capacity to start, the launch-config selection which
//      configs, and the provider starts them.
import crypto from 'node:crypto';
import os from 'node:os';
import { recordAudit } from '../../entities/audit/record';
import type { Core } from '../../entities/core';
import { timeParam } from '../../entities/db/columns';
import { placeholders } from '../../entities/db/rows';
import { inTransaction } from '../../entities/db/transaction';
import { poolStats } from '../../entities/provisioning/capacity';
import { estimate } from '../../entities/provisioning/estimator';
import { acquireLease, releaseLeases } from '../../entities/provisioning/lease';
import { moveWorker, recordPoolError } from '../../entities/provisioning/lifecycle';
import {
  ERROR_RETENTION_MS,
  LAUNCH_ERROR_KINDS,
  LAUNCH_ERROR_WINDOW_MS,
  NULL_PROVIDER,
  STOPPED_WORKER_RETENTION_MS,
} from '../../entities/provisioning/rules';
import { LaunchCandidate, selectLaunchConfigs } from '../../entities/provisioning/select-launch-configs';
import { Worker } from '../../entities/provisioning/Worker';
import { workedSince } from '../../entities/provisioning/worker-activity';
import { WorkerPool } from '../../entities/provisioning/WorkerPool';
import { WorkerPoolError } from '../../entities/provisioning/WorkerPoolError';
import { LocalProvider } from './providers/local';
import { NullProvider, Provider } from './providers/provider';

const CLEAN_UP_EVERY_MS = 60_000;

export interface ProvisionerOptions {
  /** This process's name in leases and worker records (default: host, pid and a random suffix). */
  owner?: string;
  /** The gateway local workers talk to (default: config.gatewayUrl). */
  gatewayUrl?: string;
  /** Providers by id (default: `local` and `null-provider`). */
  providers?: Provider[];
}

/** What one pass did, for the job's log line and for tests. */
export interface PassResult {
  pools: number;
  started: number;
  stopped: number;
}

export class Provisioner {
  readonly owner: string;
  readonly providers: Map<string, Provider>;
  private readonly leaseMs: number;
  private closed = false;
  /** When each pool's old rows were last deleted: only a throttle, so it may live in memory. */
  private readonly cleaned = new Map<string, number>();

  constructor(
    private readonly core: Core,
    options: ProvisionerOptions = {},
  ) {
    const settings = core.config.provisioning;
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
    // Long enough that a live owner always renews in time; short enough that a dead one's pools
    // are taken over within half a minute.
    this.leaseMs = Math.max(30_000, 3 * settings.intervalSeconds * 1000);
    const providers = options.providers ?? [
      new LocalProvider(core, {
        owner: this.owner,
        gatewayUrl: options.gatewayUrl ?? core.config.gatewayUrl,
        workersDir: settings.localWorkersDir,
        baseEnv: settings.localWorkerEnv,
        stopGraceMs: settings.localStopGraceMs,
      }),
      new NullProvider(),
    ];
    this.providers = new Map(providers.map((p) => [p.providerId, p]));
  }

  /** One pass over every pool; a pool that fails is logged and the others go on. */
  async provisionAll(): Promise<PassResult> {
    const total: PassResult = { pools: 0, started: 0, stopped: 0 };
    if (this.closed) return total;
    const pools: { worker_pool_id: string }[] = await this.core.db.query('SELECT worker_pool_id FROM worker_pools ORDER BY worker_pool_id');
    for (const { worker_pool_id: workerPoolId } of pools) {
      if (this.closed) break;
      try {
        const result = await this.provisionPool(workerPoolId);
        if (result) {
          total.pools += 1;
          total.started += result.started;
          total.stopped += result.stopped;
        }
      } catch (error) {
        this.core.log.error({ err: error, workerPoolId }, 'provisioning a worker pool failed; it is tried again next pass');
      }
    }
    return total;
  }

  /** Provisions one pool if this process holds (or can take) its lease; undefined when another does. */
  async provisionPool(workerPoolId: string): Promise<{ started: number; stopped: number } | undefined> {
    const { core } = this;
    const until = new Date(core.clock.now().getTime() + this.leaseMs);
    if (!(await acquireLease(core, { workerPoolId, owner: this.owner, until }))) return undefined;
    const pool = await core.db.getRepository(WorkerPool).findOneBy({ workerPoolId });
    if (!pool) return undefined;

    const stopped = await this.stopWorkers(pool);
    if (pool.providerId === NULL_PROVIDER) {
      await this.removeIfEmpty(pool);
      return { started: 0, stopped };
    }
    const provider = this.providers.get(pool.providerId);
    if (!provider) {
      core.log.warn({ workerPoolId, providerId: pool.providerId }, 'no provider of this id in this cron process; the pool is not provisioned');
      return { started: 0, stopped };
    }
    const started = await this.startWorkers(pool, provider);
    await this.cleanUp(pool);
    return { started, stopped };
  }

  /** Stops every worker this process started and gives up its leases. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.providers.values()].map((p) => p.close()));
    await releaseLeases(this.core, this.owner).catch((error) => this.core.log.warn({ err: error }, 'could not release provisioning leases'));
  }

  private async stopWorkers(pool: WorkerPool): Promise<number> {
    const { core } = this;
    const now = core.clock.now();
    const workers = await core.db
      .getRepository(Worker)
      .createQueryBuilder('w')
      .where("w.worker_pool_id = :p AND w.state IN ('requested', 'running', 'stopping')", { p: pool.workerPoolId })
      .getMany();
    let stopped = 0;
    for (const worker of workers) {
      const { reason, idleBefore } = await this.stopReason(pool, worker, now);
      if (reason && (await moveWorker(core, worker, [worker.state], 'stopping', { stopReason: reason, idleBefore }))) {
        worker.state = 'stopping';
        worker.stopReason = reason;
        core.log.info({ workerPoolId: pool.workerPoolId, workerId: worker.workerId, reason }, 'stopping worker');
        if (reason === 'registration-timeout') {
          await recordPoolError(core, {
            workerPoolId: pool.workerPoolId,
            launchConfigId: worker.launchConfigId,
            kind: 'registration-timeout',
            title: `worker ${worker.workerId} did not register within ${pool.config.lifecycle.registrationTimeout} s`,
            description: 'The worker was requested but never called registerWorker; it is being stopped.',
            extra: { workerGroup: worker.workerGroup, workerId: worker.workerId },
          });
        }
      }
      if (worker.state !== 'stopping') continue;
      const provider = this.providers.get(worker.providerId);
      // A worker of a provider this process does not have cannot be ended from here.
      const gone = provider ? await provider.stop(worker) : true;
      if (gone && (await moveWorker(core, worker, ['stopping'], 'stopped'))) stopped += 1;
    }
    return stopped;
  }

  /** Why a worker must stop now, if it must; an idle worker is stopped only if it stayed idle (idleBefore). */
  private async stopReason(pool: WorkerPool, worker: Worker, now: Date): Promise<{ reason?: string; idleBefore?: Date }> {
    const t = now.getTime();
    const { lifecycle } = pool.config;
    if (worker.state === 'stopping') return {};
    if (pool.providerId === NULL_PROVIDER) return { reason: 'pool-deleted' };
    if (worker.providerId !== pool.providerId) return { reason: 'provider-changed' };
    const provider = this.providers.get(worker.providerId);
    if (provider?.lost?.(worker)) return { reason: 'exited' };
    if (provider?.orphaned?.(worker)) return { reason: 'orphaned' };
    if (worker.state === 'requested') return worker.registrationDeadline.getTime() <= t ? { reason: 'registration-timeout' } : {};
    if (worker.expires && worker.expires.getTime() <= t) return { reason: 'credentials-expired' };
    const idleBefore = new Date(t - lifecycle.queueInactivityTimeout * 1000);
    const lastActive = worker.lastActive ?? worker.registered ?? worker.created;
    if (lastActive.getTime() >= idleBefore.getTime()) return {};
    const busy = await workedSince(this.core.db.manager, { workerGroup: worker.workerGroup, workerId: worker.workerId, since: idleBefore });
    return busy ? {} : { reason: 'inactive', idleBefore };
  }

  private async startWorkers(pool: WorkerPool, provider: Provider): Promise<number> {
    const { core } = this;
    const { config } = pool;
    const stats = (await poolStats(core.db, [pool.workerPoolId])).get(pool.workerPoolId)!;
    const existingCapacity = stats.requestedCapacity + stats.runningCapacity;
    const result = estimate({
      minCapacity: config.minCapacity,
      maxCapacity: config.maxCapacity,
      scalingRatio: config.scalingRatio,
      pendingTasks: stats.pendingTasks,
      claimedTasks: stats.claimedTasks,
      existingCapacity,
      requestedCapacity: stats.requestedCapacity,
      stoppingCapacity: stats.stoppingCapacity,
    });
    core.log.debug({ ...stats, ...result }, 'estimate');
    if (result.toSpawn <= 0) return 0;

    const candidates = await this.candidates(pool);
    const headroom = config.maxCapacity - existingCapacity - stats.stoppingCapacity;
    const chosen = selectLaunchConfigs(candidates, result.toSpawn, headroom);
    for (const launchConfigId of chosen) {
      if (this.closed) break;
      const launchConfig = config.launchConfigs.find((lc) => lc.launchConfigId === launchConfigId)!;
      try {
        await provider.launch(pool, launchConfig);
      } catch (error) {
        core.log.error({ err: error, workerPoolId: pool.workerPoolId, launchConfigId }, 'launching a worker failed');
        await recordPoolError(core, {
          workerPoolId: pool.workerPoolId,
          launchConfigId,
          kind: 'launch-failed',
          title: 'the provider could not launch a worker',
          description: (error as Error).message ?? String(error),
        });
      }
    }
    if (chosen.length) core.log.info({ workerPoolId: pool.workerPoolId, launched: chosen, ...result }, 'workers launched');
    return chosen.length;
  }

  /** Each launch config with the capacity it has now and its launch errors in the recent window. */
  private async candidates(pool: WorkerPool): Promise<LaunchCandidate[]> {
    const { db, clock } = this.core;
    const capacity: { lc: string | null; c: string | number }[] = await db.query(
      `SELECT launch_config_id AS lc, SUM(capacity) AS c FROM workers WHERE worker_pool_id = ? AND state IN ('requested', 'running', 'stopping') GROUP BY launch_config_id`,
      [pool.workerPoolId],
    );
    const since = timeParam(db, new Date(clock.now().getTime() - LAUNCH_ERROR_WINDOW_MS));
    const kinds = placeholders(LAUNCH_ERROR_KINDS.length);
    const errors: { lc: string | null; n: string | number }[] = await db.query(
      `SELECT launch_config_id AS lc, COUNT(*) AS n FROM worker_pool_errors WHERE worker_pool_id = ? AND reported > ? AND kind IN (${kinds}) GROUP BY launch_config_id`,
      [pool.workerPoolId, since, ...LAUNCH_ERROR_KINDS],
    );
    return pool.config.launchConfigs.map((lc) => ({
      launchConfigId: lc.launchConfigId,
      initialWeight: lc.initialWeight,
      capacityPerInstance: lc.capacityPerInstance,
      maxCapacity: lc.maxCapacity,
      costPerHour: lc.costPerHour,
      existingCapacity: Number(capacity.find((row) => row.lc === lc.launchConfigId)?.c ?? 0),
      recentErrors: Number(errors.find((row) => row.lc === lc.launchConfigId)?.n ?? 0),
    }));
  }

  /** A pool marked for deletion goes once none of its workers is left running; audited as the platform. */
  private async removeIfEmpty(pool: WorkerPool): Promise<void> {
    const { core } = this;
    const removed = await inTransaction(core.db, async (tx) => {
      const [{ n }] = await tx.query(`SELECT COUNT(*) AS n FROM workers WHERE worker_pool_id = ? AND state <> 'stopped'`, [pool.workerPoolId]);
      if (Number(n) > 0) return false;
      const deleted = await tx
        .getRepository(WorkerPool)
        .createQueryBuilder()
        .delete()
        .where('worker_pool_id = :p AND provider_id = :null', { p: pool.workerPoolId, null: NULL_PROVIDER })
        .execute();
      if (!deleted.affected) return false;
      await tx.getRepository(Worker).delete({ workerPoolId: pool.workerPoolId });
      await tx.getRepository(WorkerPoolError).delete({ workerPoolId: pool.workerPoolId });
      const platform = { core, caller: { clientId: undefined, scopes: [], temporary: false } };
      await recordAudit(tx, platform, { entityType: 'worker-pool', entityId: pool.workerPoolId, action: 'removed' });
      return true;
    });
    if (removed) core.log.info({ workerPoolId: pool.workerPoolId }, 'worker pool removed');
  }

  /** Forgets stopped workers and errors past their retention (at most once a minute per pool: these are writes). */
  private async cleanUp(pool: WorkerPool): Promise<void> {
    const { db, clock } = this.core;
    const now = clock.now().getTime();
    if (now - (this.cleaned.get(pool.workerPoolId) ?? 0) < CLEAN_UP_EVERY_MS) return;
    this.cleaned.set(pool.workerPoolId, now);
    await inTransaction(db, async (tx) => {
      await tx.query(`DELETE FROM workers WHERE worker_pool_id = ? AND state = 'stopped' AND last_modified < ?`, [
        pool.workerPoolId,
        timeParam(db, new Date(now - STOPPED_WORKER_RETENTION_MS)),
      ]);
      await tx.query(`DELETE FROM worker_pool_errors WHERE worker_pool_id = ? AND reported < ?`, [pool.workerPoolId, timeParam(db, new Date(now - ERROR_RETENTION_MS))]);
    });
  }
}
