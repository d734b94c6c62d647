// Queue events on the pub/sub port. Published after the transaction commits, with the task's
// status as the transaction left it; subscribers check scopes per resource before passing them on.
import type { Core } from '../core';
import { loadStatuses, statusOf, TaskStatusView } from './status';
import type { Task } from './Task';
import type { TaskRun } from './TaskRun';

export const topics = {
  task: (taskId: string) => `queue.task.${taskId}`,
  group: (taskGroupId: string) => `queue.group.${taskGroupId}`,
  groupResolved: (taskGroupId: string) => `queue.group-resolved.${taskGroupId}`,
  /** Wakes long-polling claimers of a queue. */
  pending: (taskQueueId: string) => `queue.pending.${taskQueueId}`,
  artifact: (taskId: string) => `queue.artifact.${taskId}`,
  /** A run's live log lines, as appended (LogLinesView). */
  log: (taskId: string, runId: number) => `queue.log.${taskId}.${runId}`,
};

export type TaskEventKind = 'task-defined' | 'task-pending' | 'task-running' | 'task-completed' | 'task-failed' | 'task-exception' | 'task-changed';

export interface TaskStatusEvent {
  kind: TaskEventKind;
  status: TaskStatusView;
}

export interface GroupResolvedEvent {
  taskGroupId: string;
  schedulerId: string;
}

export function kindOf(state: string): TaskEventKind {
  switch (state) {
    case 'pending':
      return 'task-pending';
    case 'running':
      return 'task-running';
    case 'completed':
      return 'task-completed';
    case 'failed':
      return 'task-failed';
    case 'exception':
      return 'task-exception';
    default:
      return 'task-defined';
  }
}

/** What a committed transaction changed, to announce. */
export class QueueChanges {
  readonly tasks = new Set<string>();
  readonly defined = new Set<string>();
  readonly pendingQueues = new Set<string>();
  readonly resolvedGroups = new Map<string, string>();
  /**
   * Statuses built from the rows the transaction read and wrote, so they need not be loaded
   * again after commit (two statements per command, on the queue's hottest paths). Only for
   * tasks the command is done with: a later change in the same transaction would be missed.
   */
  readonly statuses = new Map<string, TaskStatusView>();

  touch(taskId: string): void {
    this.tasks.add(taskId);
  }

  /** Records the task's final status in this transaction (and touches it). */
  settle(task: Task, runs: TaskRun[]): TaskStatusView {
    const status = statusOf(task, runs);
    this.tasks.add(task.taskId);
    this.statuses.set(task.taskId, status);
    return status;
  }
}

/**
 * Publishes, and returns the statuses it sent so callers need not load them again: those the
 * command settled, and the others loaded after commit.
 */
export async function publishChanges(core: Core, changes: QueueChanges): Promise<Map<string, TaskStatusView>> {
  const unsettled = [...changes.tasks].filter((id) => !changes.statuses.has(id));
  const loaded = new Map<string, TaskStatusView>();
  if (unsettled.length) for (const s of await loadStatuses(core.db.manager, unsettled)) if (s) loaded.set(s.taskId, s);
  // In the order the tasks changed, as subscribers of a group would have seen them happen.
  const statuses = [...changes.tasks].map((id) => changes.statuses.get(id) ?? loaded.get(id) ?? null);
  const sends: Promise<void>[] = [];
  for (const status of statuses) {
    if (!status) continue;
    const kind: TaskEventKind = changes.defined.has(status.taskId) && status.state === 'unscheduled' ? 'task-defined' : kindOf(status.state);
    const event: TaskStatusEvent = { kind, status };
    sends.push(core.events.publish(topics.task(status.taskId), event), core.events.publish(topics.group(status.taskGroupId), event));
  }
  for (const queue of changes.pendingQueues) sends.push(core.events.publish(topics.pending(queue), {}));
  for (const [taskGroupId, schedulerId] of changes.resolvedGroups) {
    const event: GroupResolvedEvent = { taskGroupId, schedulerId };
    sends.push(core.events.publish(topics.groupResolved(taskGroupId), event));
  }
  const failures = (await Promise.allSettled(sends)).filter((r) => r.status === 'rejected');
  if (failures.length) core.log.warn({ failures: failures.length }, 'some queue events could not be published');
  return new Map(statuses.filter((s): s is TaskStatusView => s !== null).map((s) => [s.taskId, s]));
}

/** Statuses of `taskIds`: those `published` already holds, the rest loaded. */
export async function statusesAfter(core: Core, published: Map<string, TaskStatusView>, taskIds: string[]): Promise<(TaskStatusView | null)[]> {
  const missing = taskIds.filter((id) => !published.has(id));
  const loaded = missing.length ? await loadStatuses(core.db.manager, missing) : [];
  const byId = new Map(published);
  for (const s of loaded) if (s) byId.set(s.taskId, s);
  return taskIds.map((id) => byId.get(id) ?? null);
}
