// Pure rules of the provisioning area: worker states, the providers a pool may name, and the
// scopes of each operation (Taskcluster's worker-manager scopes).

export const WORKER_STATES = ['requested', 'running', 'stopping', 'stopped'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** Providers a pool may name. `null-provider` marks a pool for deletion: it starts nothing. */
export const PROVIDER_IDS = ['local', 'null-provider'] as const;
export const NULL_PROVIDER = 'null-provider';

/** Errors of these kinds count against their launch config's weight. */
export const LAUNCH_ERROR_KINDS = ['launch-failed', 'registration-timeout'] as const;

/** How long a launch error lowers its launch config's weight. */
export const LAUNCH_ERROR_WINDOW_MS = 10 * 60 * 1000;

/** Pool errors are kept this long (Taskcluster: 7 days). */
export const ERROR_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Stopped workers stay listed this long. */
export const STOPPED_WORKER_RETENTION_MS = 24 * 3600 * 1000;

export const scopesFor = {
  /**
   * Creating a pool makes workers that hold the pool's scopes, so the caller must hold them too
   * (no escalation): `queue:claim-work:<pool>` and `assume:worker-pool:<pool>` — the role through
   * which an operator gives every worker of the pool more. The per-worker identity scopes are
   * named by the platform, never by the caller, so they are not asked for.
   */
  createWorkerPool(workerPoolId: string, providerId: string) {
    return {
      AllOf: [
        `worker-manager:manage-worker-pool:${workerPoolId}`,
        `worker-manager:provider:${providerId}`,
        ...poolWorkerScopes(workerPoolId),
      ],
    };
  },
  updateWorkerPool(workerPoolId: string, providerId: string) {
    return { AllOf: [`worker-manager:manage-worker-pool:${workerPoolId}`, `worker-manager:provider:${providerId}`] };
  },
  deleteWorkerPool(workerPoolId: string) {
    return `worker-manager:manage-worker-pool:${workerPoolId}`;
  },
  getWorkerPool(workerPoolId: string) {
    return `worker-manager:get-worker-pool:${workerPoolId}`;
  },
  listWorkerPools() {
    return 'worker-manager:list-worker-pools';
  },
  listWorkers(workerPoolId: string) {
    return `worker-manager:list-workers:${workerPoolId}`;
  },
  getWorker(workerPoolId: string, workerGroup: string, workerId: string) {
    return `worker-manager:get-worker:${workerPoolId}/${workerGroup}/${workerId}`;
  },
  removeWorker(workerPoolId: string, workerGroup: string, workerId: string) {
    return `worker-manager:remove-worker:${workerPoolId}/${workerGroup}/${workerId}`;
  },
  listWorkerPoolErrors(workerPoolId: string) {
    return `worker-manager:list-worker-pool-errors:${workerPoolId}`;
  },
};

/** The scopes every worker of a pool gets, whoever it is. */
export function poolWorkerScopes(workerPoolId: string): string[] {
  return [`queue:claim-work:${workerPoolId}`, `assume:worker-pool:${workerPoolId}`];
}

/** The scopes of a registered worker's credentials: its pool's, and its own identity. */
export function workerScopes(worker: { workerPoolId: string; workerGroup: string; workerId: string }): string[] {
  const { workerPoolId, workerGroup, workerId } = worker;
  return [
    ...poolWorkerScopes(workerPoolId),
    `queue:worker-id:${workerGroup}/${workerId}`,
    scopesFor.removeWorker(workerPoolId, workerGroup, workerId),
  ];
}
