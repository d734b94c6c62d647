// A task's status as the API shows it: the task row's summary plus every run.
import { EntityManager, In } from 'typeorm';
import { Task } from './Task';
import { TaskRun } from './TaskRun';

export interface TaskRunView {
  runId: number;
  state: string;
  reasonCreated: string;
  reasonResolved: string | null;
  workerGroup: string | null;
  workerId: string | null;
  takenUntil: Date | null;
  scheduled: Date;
  started: Date | null;
  resolved: Date | null;
}

export interface TaskStatusView {
  taskId: string;
  taskGroupId: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  state: string;
  retriesLeft: number;
  deadline: Date;
  expires: Date;
  runs: TaskRunView[];
}

const CHUNK = 1000;

/** Statuses of many tasks in two queries per thousand, in the order asked (null if missing). */
export async function loadStatuses(manager: EntityManager, taskIds: readonly string[]): Promise<(TaskStatusView | null)[]> {
  const tasks = new Map<string, Task>();
  const runs = new Map<string, TaskRun[]>();
  const unique = [...new Set(taskIds)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const ids = unique.slice(i, i + CHUNK);
    for (const task of await manager.getRepository(Task).find({ where: { taskId: In(ids) }, select: STATUS_COLUMNS })) tasks.set(task.taskId, task);
    for (const run of await manager.getRepository(TaskRun).find({ where: { taskId: In(ids) }, order: { runId: 'ASC' } })) {
      const list = runs.get(run.taskId) ?? [];
      list.push(run);
      runs.set(run.taskId, list);
    }
  }
  return taskIds.map((id) => {
    const task = tasks.get(id);
    return task ? statusOf(task, runs.get(id) ?? []) : null;
  });
}

export function statusOf(task: Task, runs: TaskRun[]): TaskStatusView {
  return {
    taskId: task.taskId,
    taskGroupId: task.taskGroupId,
    taskQueueId: task.taskQueueId,
    schedulerId: task.schedulerId,
    projectId: task.projectId,
    state: task.state,
    retriesLeft: task.retriesLeft,
    deadline: task.deadline,
    expires: task.expires,
    runs: runs.map(({ taskId: _taskId, ...run }) => run),
  };
}

const STATUS_COLUMNS = {
  taskId: true,
  taskGroupId: true,
  taskQueueId: true,
  schedulerId: true,
  projectId: true,
  state: true,
  retriesLeft: true,
  deadline: true,
  expires: true,
} as const;

/** How many changes of state a task's runs record: each run's creation, start and resolution. */
export function changeCount(status: { runs: Pick<TaskRunView, 'started' | 'resolved'>[] }): number {
  let changes = 0;
  for (const run of status.runs) changes += 1 + (run.started ? 1 : 0) + (run.resolved ? 1 : 0);
  return changes;
}
