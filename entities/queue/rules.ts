// Pure rules of the queue: priorities, states, retry reasons, scopes per operation.

export const PRIORITIES = ['highest', 'very-high', 'high', 'medium', 'low', 'very-low', 'lowest'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Claim order: higher first. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.length - PRIORITIES.indexOf(priority);
}

export const TASK_STATES = ['unscheduled', 'pending', 'running', 'completed', 'failed', 'exception'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const RESOLVED_STATES: readonly TaskState[] = ['completed', 'failed', 'exception'];

export const REASONS_CREATED = ['scheduled', 'retry', 'task-retry', 'rerun', 'exception'] as const;
export type ReasonCreated = (typeof REASONS_CREATED)[number];

export const REASONS_RESOLVED = [
  'completed',
  'failed',
  'deadline-exceeded',
  'canceled',
  'claim-expired',
  'worker-shutdown',
  'malformed-payload',
  'resource-unavailable',
  'internal-error',
  'intermittent-task',
  'superseded',
] as const;
export type ReasonResolved = (typeof REASONS_RESOLVED)[number];

/** What a worker may report with reportException. */
export const WORKER_EXCEPTION_REASONS = [
  'worker-shutdown',
  'malformed-payload',
  'resource-unavailable',
  'internal-error',
  'intermittent-task',
  'superseded',
] as const;
export type WorkerExceptionReason = (typeof WORKER_EXCEPTION_REASONS)[number];

/**
 * Whether an exception earns a new run (Taskcluster's rules): `worker-shutdown` and
 * `claim-expired` retry as `retry`, `intermittent-task` as `task-retry`, while retries are left.
 */
export function retryReason(reason: ReasonResolved): ReasonCreated | undefined {
  if (reason === 'worker-shutdown' || reason === 'claim-expired') return 'retry';
  if (reason === 'intermittent-task') return 'task-retry';
  return undefined;
}

export function isResolved(state: string): boolean {
  return (RESOLVED_STATES as readonly string[]).includes(state);
}

/** Whether a resolution satisfies a dependent under its `requires`. */
export function satisfiesRequirement(requires: string, state: string): boolean {
  return requires === 'all-resolved' ? isResolved(state) : state === 'completed';
}

export const scopesFor = {
  createTask(task: { priority: string; taskQueueId: string; schedulerId: string; taskGroupId: string; routes: string[]; scopes: string[] }) {
    return {
      AllOf: [
        `queue:create-task:${task.priority}:${task.taskQueueId}`,
        `queue:scheduler-id:${task.schedulerId}`,
        ...task.routes.map((route) => `queue:route:${route}`),
        ...task.scopes,
      ],
    };
  },
  claimWork(taskQueueId: string, workerGroup: string, workerId: string) {
    return { AllOf: [`queue:claim-work:${taskQueueId}`, scopesFor.workerIdentity(workerGroup, workerId)] };
  },
  /** Acting as this worker: claiming for it, and reporting the runs it claimed (reportRuns). */
  workerIdentity(workerGroup: string, workerId: string) {
    return `queue:worker-id:${workerGroup}/${workerId}`;
  },
  reclaimTask(taskId: string, runId: number) {
    return `queue:reclaim-task:${taskId}/${runId}`;
  },
  resolveTask(taskId: string, runId: number) {
    return `queue:resolve-task:${taskId}/${runId}`;
  },
  createArtifact(taskId: string, runId: number) {
    return `queue:create-artifact:${taskId}/${runId}`;
  },
  /** cancel, rerun, schedule: by scheduler, group and task, or for the whole project. */
  schedulerAction(
    action: 'cancel-task' | 'rerun-task' | 'schedule-task',
    task: { schedulerId: string; taskGroupId: string; taskId: string; projectId: string },
  ) {
    return {
      AnyOf: [`queue:${action}:${task.schedulerId}/${task.taskGroupId}/${task.taskId}`, `queue:${action}-in-project:${task.projectId}`],
    };
  },
  /** Raising a priority must not bypass createTask's per-priority scope. */
  changePriority(task: { schedulerId: string; taskGroupId: string; taskId: string; projectId: string; taskQueueId: string }, priority: string) {
    return {
      AllOf: [
        {
          AnyOf: [
            `queue:change-task-priority:${task.schedulerId}/${task.taskGroupId}/${task.taskId}`,
            `queue:change-task-priority-in-project:${task.projectId}`,
          ],
        },
        `queue:create-task:${priority}:${task.taskQueueId}`,
      ],
    };
  },
  sealTaskGroup(schedulerId: string, taskGroupId: string) {
    return `queue:seal-task-group:${schedulerId}/${taskGroupId}`;
  },
  cancelTaskGroup(schedulerId: string, taskGroupId: string) {
    return `queue:cancel-task-group:${schedulerId}/${taskGroupId}`;
  },
};
