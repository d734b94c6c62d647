// What the provisioner asks of a provider: start a worker of a launch config, end a worker.
import type { LaunchConfig } from '../../../entities/provisioning/pool-config';
import type { Worker } from '../../../entities/provisioning/Worker';
import type { WorkerPool } from '../../../entities/provisioning/WorkerPool';

export interface Provider {
  readonly providerId: string;
  /**
   * Starts one worker: creates it `requested` with a one-time registration token and hands the
   * token to whatever will run it. A launch that fails is recorded as a pool error of its launch
   * config (now, or when the process exits before registering) and the worker is `stopped`.
   */
  launch(pool: WorkerPool, launchConfig: LaunchConfig): Promise<void>;
  /**
   * Ends a `stopping` worker. True once it is gone (the provisioner then marks it `stopped`). A
   * provider that sees a worker end resolves the runs it still held (resolveRunsOfGoneWorker),
   * whether it was stopped or died; one that cannot see it leaves them to the claim timeout.
   */
  stop(worker: Worker): Promise<boolean>;
  /**
   * Whether a worker that nothing is watching (started by a cron process that died) is known to
   * have ended by itself; the provisioner then stops it (and stop() resolves its runs). Optional: a
   * provider that cannot tell leaves such workers to the lifecycle timeouts.
   */
  lost?(worker: Worker): boolean;
  /**
   * Whether a worker outlived what started it and is shutting down: it claims no more work. The
   * provisioner stops it (`orphaned`) so that its capacity is replaced at once. Optional.
   */
  orphaned?(worker: Worker): boolean;
  /** Stops every worker this provider started in this process, and waits until they are gone. */
  close(): Promise<void>;
}

/** `null-provider`: the provider of a pool marked for deletion. It starts nothing. */
export class NullProvider implements Provider {
  readonly providerId = 'null-provider';

  async launch(pool: WorkerPool): Promise<void> {
    throw new Error(`pool ${pool.workerPoolId} is marked for deletion; null-provider starts no workers`);
  }

  async stop(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
