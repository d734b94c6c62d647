// The worker: claims up to its capacity from the gateway (a long poll), runs each claim as a
// TaskRun, and on stop resolves what it holds (worker-shutdown) before it exits. It never holds
// more runs than its capacity, so a task is never run twice at once here.
import path from 'node:path';
import type { Logger } from 'pino';
import { Caches } from './caches';
import type { WorkerConfig } from './config';
import { bearer, describe, GraphqlClient, GraphqlError } from './graphql/client';
import { CLAIM_WORK, type ClaimWorkResult, REGISTER_WORKER, type RegisterWorkerResult } from './graphql/documents';
import { removeLeftoverTaskFolders } from './leftovers';
import { TaskRun } from './task-run';

/** A claimWork long poll answers within ~20 s; give it room before calling the attempt failed. */
const CLAIM_TIMEOUT_MS = 45_000;
/** Stop claiming this long before registered credentials expire. */
const CREDENTIALS_MARGIN_MS = 60_000;

export class Worker {
  private readonly client: GraphqlClient;
  private readonly caches: Caches;
  /** Each run in hand, and the promise of its end. */
  private readonly running = new Map<TaskRun, Promise<void>>();
  private readonly stopping = new AbortController();
  private auth = '';
  private authExpires = Infinity;
  private slotFreed: (() => void) | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
  ) {
    this.client = new GraphqlClient(config.gatewayUrl);
    this.caches = new Caches(config.cacheDir);
  }

  /** Claims and runs tasks until stop() (or until registered credentials run out); then waits for the runs to end. */
  async run(): Promise<void> {
    const signal = this.stopping.signal;
    await removeLeftoverTaskFolders(path.join(this.config.workDir, 'tasks'), this.log);
    try {
      await this.authenticate();
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    this.log.info({ capacity: this.config.capacity, gateway: this.config.gatewayUrl }, 'worker started');
    while (!signal.aborted) {
      if (Date.now() > this.authExpires - CREDENTIALS_MARGIN_MS) {
        this.log.info('the worker credentials are about to expire: no more claims');
        break;
      }
      const free = this.config.capacity - this.running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          this.slotFreed = done;
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      let claims: ClaimWorkResult['claimWork'];
      try {
        claims = (
          await this.client.call<ClaimWorkResult>(
            CLAIM_WORK,
            { taskQueueId: this.config.workerPoolId, workerGroup: this.config.workerGroup, workerId: this.config.workerId, tasks: free },
            {
              auth: this.auth,
              signal,
              timeoutMs: CLAIM_TIMEOUT_MS,
              onRetry: (error, attempt, delay) => this.log.warn({ err: describe(error), attempt, delayMs: Math.round(delay) }, 'claimWork failed; retrying'),
            },
          )
        ).claimWork;
      } catch (error) {
        if (signal.aborted) break;
        // Refused (scopes, a bad pool id, credentials gone): retrying cannot help. The runs in
        // hand carry credentials of their own: they finish, then the worker exits with the error.
        this.log.error({ err: describe(error), code: error instanceof GraphqlError ? error.code : undefined }, 'claimWork failed for good');
        await Promise.all(this.running.values());
        throw error;
      }
      for (const claim of claims) this.start(new TaskRun({ client: this.client, config: this.config, log: this.log, caches: this.caches }, claim));
    }
    await Promise.all(this.running.values());
    this.log.info('worker stopped');
  }

  /**
   * Stops claiming and stops the running tasks; each is resolved exception/worker-shutdown (so
   * it is retried). run() returns once they are reported.
   */
  stop(): void {
    if (this.stopping.signal.aborted) return;
    this.log.info({ running: this.running.size }, 'shutting down');
    // An in-flight claimWork is abandoned: the gateway stops waiting when the client goes away.
    this.stopping.abort(new Error('the worker is stopping'));
    for (const run of this.running.keys()) run.stop('shutdown');
  }

  private start(run: TaskRun): void {
    // Claims that arrive as the worker stops are still resolved: they end at once as worker-shutdown.
    if (this.stopping.signal.aborted) run.stop('shutdown');
    const done = run.run().finally(() => {
      this.running.delete(run);
      const freed = this.slotFreed;
      this.slotFreed = undefined;
      freed?.();
    });
    this.running.set(run, done);
  }

  private async authenticate(): Promise<void> {
    const { auth } = this.config;
    if (auth.kind === 'client') {
      this.auth = `${auth.clientId}:${auth.accessToken}`;
      return;
    }
    const data = await this.client.call<RegisterWorkerResult>(
      REGISTER_WORKER,
      { workerPoolId: this.config.workerPoolId, workerGroup: this.config.workerGroup, workerId: this.config.workerId, registrationToken: auth.token },
      {
        auth: undefined,
        signal: this.stopping.signal,
        onRetry: (error, attempt) => this.log.warn({ err: describe(error), attempt }, 'registerWorker failed; retrying'),
      },
    );
    this.auth = bearer(data.registerWorker.credentials);
    this.authExpires = Date.parse(data.registerWorker.expires);
    this.log.info({ clientId: data.registerWorker.credentials.clientId, expires: data.registerWorker.expires }, 'registered');
  }
}
