// createTask and createTaskGraph. A graph is many tasks in one transaction: all or none. Both are
// idempotent per task: the same taskId with an identical definition answers with the existing
// task; a different definition is a conflict.
import { EntityManager, In } from 'typeorm';
import { timeParam } from '../../db/columns';
import { execute, insertRows } from '../../db/rows';
import { forUpdate, inTransaction } from '../../db/transaction';
import { InputError, RequestConflict } from '../../errors';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { publishChanges, QueueChanges, statusesAfter } from '../events';
import { isResolved, priorityRank, satisfiesRequirement, scopesFor } from '../rules';
import type { TaskStatusView } from '../status';
import { Task } from '../Task';
import { canonicalDefinition, normalizeTaskDefinition, TaskDefinition, TaskInput } from '../task-definition';
import { TaskDependency } from '../TaskDependency';
import { TaskGroup } from '../TaskGroup';
import { TaskRun } from '../TaskRun';
import { insertFirstRuns } from '../transitions';

export const MAX_GRAPH_TASKS = 10_000;
const CHUNK = 500;

export interface TaskGraphEntry {
  taskId: string;
  task: TaskInput;
}

export async function createTask(ctx: CommandContext, props: { taskId: string; task: TaskInput }): Promise<TaskStatusView> {
  const [status] = await createTaskGraph(ctx, { tasks: [props] });
  return status;
}

export async function createTaskGraph(ctx: CommandContext, props: { tasks: TaskGraphEntry[] }): Promise<TaskStatusView[]> {
  const { tasks } = props;
  if (tasks.length === 0) throw new InputError('a task graph needs at least one task');
  if (tasks.length > MAX_GRAPH_TASKS) throw new InputError(`a task graph may hold at most ${MAX_GRAPH_TASKS} tasks, got ${tasks.length}`);
  const now = ctx.core.clock.now();
  const definitions = new Map<string, TaskDefinition>();
  for (const { taskId, task } of tasks) {
    if (definitions.has(taskId)) throw new InputError(`task ${taskId} appears twice in the graph`, { taskId });
    definitions.set(taskId, normalizeTaskDefinition(taskId, task, now));
  }
  // Scopes are checked for the union: one error naming everything missing.
  await requireScopes(ctx, { AllOf: [...definitions.values()].map((d) => scopesFor.createTask(d)) }, 'createTask');

  const changes = new QueueChanges();
  await inTransaction(ctx.core.db, (tx) => insertTasks(tx, definitions, now, changes));
  const published = await publishChanges(ctx.core, changes);
  const statuses = await statusesAfter(ctx.core, published, [...definitions.keys()]);
  return statuses.map((status) => status!);
}

async function insertTasks(tx: EntityManager, definitions: Map<string, TaskDefinition>, now: Date, changes: QueueChanges): Promise<void> {
  const ids = [...definitions.keys()];
  const existing = await findTasks(tx, ids);
  for (const task of existing.values()) {
    if (canonicalDefinition(definitionOf(task)) !== canonicalDefinition(definitions.get(task.taskId)!)) {
      throw new RequestConflict(`task ${task.taskId} already exists with a different definition`, { taskId: task.taskId });
    }
  }
  const fresh = ids.filter((id) => !existing.has(id));
  if (!fresh.length) return;

  await checkGroups(tx, fresh.map((id) => definitions.get(id)!));
  // Dependencies outside this insert: earlier tasks, including ones this graph names again.
  const freshIds = new Set(fresh);
  const required = [...new Set(fresh.flatMap((id) => definitions.get(id)!.dependencies))].filter((id) => !freshIds.has(id));
  const outside = await findTasks(tx, required);
  const firstStates = await firstResolutions(tx, [...outside.values()]);
  for (const id of fresh) {
    const def = definitions.get(id)!;
    for (const dep of def.dependencies) {
      if (dep === id || freshIds.has(dep)) continue;
      const found = outside.get(dep);
      if (!found) throw new InputError(`task ${id}: dependency ${dep} does not exist (create it first or in the same graph)`, { taskId: id, dependency: dep });
      if (found.expires.getTime() < def.deadline.getTime()) {
        throw new InputError(`task ${id}: dependency ${dep} expires before this task's deadline`, { taskId: id, dependency: dep });
      }
    }
    for (const dep of def.dependencies) {
      const inGraph = definitions.get(dep);
      if (inGraph && dep !== id && inGraph.expires.getTime() < def.deadline.getTime()) {
        throw new InputError(`task ${id}: dependency ${dep} expires before this task's deadline`, { taskId: id, dependency: dep });
      }
    }
  }

  const deps: TaskDependency[] = [];
  for (const id of fresh) {
    const def = definitions.get(id)!;
    for (const dep of def.dependencies) {
      // A dependency resolved before this task existed counts by its first resolution.
      const first = firstStates.get(dep);
      const satisfied = first !== undefined && satisfiesRequirement(def.requires, first);
      deps.push(Object.assign(new TaskDependency(), { dependentTaskId: id, requiredTaskId: dep, requires: def.requires, satisfied }));
    }
  }
  // Tasks with nothing to wait for are inserted pending, beside their first runs: no UPDATE of
  // the rows just inserted.
  const unsatisfied = new Set(deps.filter((d) => !d.satisfied).map((d) => d.dependentTaskId));
  const rows = fresh.map((id) => taskRow(id, definitions.get(id)!, unsatisfied.has(id) ? undefined : now));
  for (let i = 0; i < rows.length; i += CHUNK) await insertRows(tx, Task, rows.slice(i, i + CHUNK));
  for (let i = 0; i < deps.length; i += CHUNK) await tx.getRepository(TaskDependency).insert(deps.slice(i, i + CHUNK));
  const ready = rows.filter((row) => row.state === 'pending');
  const runs = new Map((await insertFirstRuns(tx, ready.map((row) => row.taskId), now)).map((run) => [run.taskId, run]));
  for (const row of rows) {
    changes.defined.add(row.taskId);
    const run = runs.get(row.taskId);
    changes.settle(row, run ? [run] : []);
    if (run) changes.pendingQueues.add(row.taskQueueId);
  }
}

/**
 * The state each resolved task had at its first resolution — what its dependents act on, also
 * those created later. Until a rerun it is the current state; after one, it is that of the first
 * resolved run not followed by a retry (a retried exception was not a resolution of the task).
 */
async function firstResolutions(tx: EntityManager, tasks: Task[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const rerun: string[] = [];
  for (const task of tasks) {
    if (!task.firstResolved) continue;
    if (isResolved(task.state) && task.runCount === 1) states.set(task.taskId, task.state);
    else rerun.push(task.taskId);
  }
  for (let i = 0; i < rerun.length; i += 1000) {
    const runs = await tx.getRepository(TaskRun).find({ where: { taskId: In(rerun.slice(i, i + 1000)) }, order: { taskId: 'ASC', runId: 'ASC' } });
    runs.forEach((run, j) => {
      const next = runs[j + 1]?.taskId === run.taskId ? runs[j + 1] : undefined;
      const retried = next?.reasonCreated === 'retry' || next?.reasonCreated === 'task-retry';
      if (isResolved(run.state) && !retried && !states.has(run.taskId)) states.set(run.taskId, run.state);
    });
  }
  return states;
}

/** Every group a task joins must be unsealed and have the task's schedulerId. */
async function checkGroups(tx: EntityManager, definitions: TaskDefinition[]): Promise<void> {
  const wanted = new Map<string, TaskDefinition>();
  for (const def of definitions) {
    const seen = wanted.get(def.taskGroupId);
    if (seen && seen.schedulerId !== def.schedulerId) {
      throw new RequestConflict(`tasks of group ${def.taskGroupId} must share one schedulerId (${seen.schedulerId} ≠ ${def.schedulerId})`);
    }
    if (!seen || def.expires > seen.expires) wanted.set(def.taskGroupId, def);
  }
  const repo = tx.getRepository(TaskGroup);
  const groups = await repo.findBy({ taskGroupId: In([...wanted.keys()]) });
  const known = new Map(groups.map((g) => [g.taskGroupId, g]));
  for (const [taskGroupId, def] of wanted) {
    let group = known.get(taskGroupId);
    if (!group) {
      // Tasks of a new group are often created in parallel (a decision task): the first insert
      // wins, the others wait for it to commit, insert nothing and read its row, with a lock.
      const fresh = { taskGroupId, schedulerId: def.schedulerId, projectId: def.projectId, expires: def.expires, sealed: null };
      const ignore = tx.connection.options.type === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
      const inserted = await execute(tx, `${ignore} INTO \`task_groups\` (\`task_group_id\`, \`scheduler_id\`, \`project_id\`, \`expires\`, \`sealed\`) VALUES (?, ?, ?, ?, NULL)`, [
        taskGroupId,
        def.schedulerId,
        def.projectId,
        timeParam(tx.connection, def.expires),
      ]);
      group = inserted ? Object.assign(new TaskGroup(), fresh) : (await repo.findOne({ where: { taskGroupId }, ...forUpdate(tx) }))!;
    }
    if (group.schedulerId !== def.schedulerId) {
      throw new RequestConflict(`task group ${taskGroupId} belongs to schedulerId ${group.schedulerId}, not ${def.schedulerId}`, { taskGroupId });
    }
    if (group.sealed) throw new RequestConflict(`task group ${taskGroupId} is sealed: no task can be added to it`, { taskGroupId });
    if (def.expires > group.expires) await repo.update({ taskGroupId }, { expires: def.expires });
  }
}

async function findTasks(tx: EntityManager, ids: string[]): Promise<Map<string, Task>> {
  const found = new Map<string, Task>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const task of await tx.getRepository(Task).findBy({ taskId: In(ids.slice(i, i + 1000)) })) found.set(task.taskId, task);
  }
  return found;
}

/** A new task's row: unscheduled, or pending since `pendingSince` with its first run. */
function taskRow(taskId: string, def: TaskDefinition, pendingSince: Date | undefined): Task {
  return Object.assign(new Task(), {
    taskId,
    ...def,
    name: def.metadata.name,
    priorityRank: priorityRank(def.priority),
    retriesLeft: def.retries,
    state: pendingSince ? 'pending' : 'unscheduled',
    pendingSince: pendingSince ?? null,
    takenUntil: null,
    firstResolved: null,
    runCount: pendingSince ? 1 : 0,
  });
}

export function definitionOf(task: Task): TaskDefinition {
  return {
    taskQueueId: task.taskQueueId,
    schedulerId: task.schedulerId,
    projectId: task.projectId,
    taskGroupId: task.taskGroupId,
    dependencies: task.dependencies,
    requires: task.requires as TaskDefinition['requires'],
    routes: task.routes,
    priority: task.priority as TaskDefinition['priority'],
    retries: task.retries,
    created: task.created,
    deadline: task.deadline,
    expires: task.expires,
    scopes: task.scopes,
    payload: task.payload,
    metadata: task.metadata,
    tags: task.tags,
    extra: task.extra,
  };
}
