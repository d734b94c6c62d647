// Queue resolvers: each is input → one command → output type.
import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { requireScopes } from '../../entities/auth/require-scopes';
import { claimWork } from '../../entities/queue/commands/claim-work';
import { createTask, createTaskGraph } from '../../entities/queue/commands/create-task';
import { getTaskGroup, getTaskQueue, listDependents, listTaskGroupTasks } from '../../entities/queue/commands/queries';
import { reclaimTask, reportCompleted, reportException, reportFailed, reportRuns } from '../../entities/queue/commands/run-actions';
import { cancelTask, changeTaskPriority, rerunTask, scheduleTask } from '../../entities/queue/commands/task-actions';
import { cancelTaskGroup, sealTaskGroup, type TaskGroupView } from '../../entities/queue/commands/task-groups';
import { GroupResolvedEvent, TaskStatusEvent, topics } from '../../entities/queue/events';
import type { TaskStatusView } from '../../entities/queue/status';
import { ResourceNotFound } from '../../entities/errors';
import type { GatewayContext } from '../context';
import { PageArgsInput, toConnection } from '../common/connection';
import { eventStream } from '../common/event-stream';
import { groupStatusesSince, statusesSince } from './status-since';
import {
  CancelTaskGroupResult,
  RunReportInput,
  TaskClaimType,
  TaskGraphEntry,
  TaskGroupCountsType,
  TaskGroupResolvedType,
  TaskGroupTaskConnection,
  TaskGroupType,
  TaskInput,
  TaskQueueType,
  TaskStatusConnection,
  TaskStatusType,
  TaskType,
} from './types';

const same = <T>(x: T) => x;
const ID_ARG = { description: 'The task’s slugid.' };
const RUN_ARG = { description: 'The run’s number.' };

/** Subscribing to a task or group needs `queue:subscribe:<schedulerId>/<taskGroupId>/<taskId or *>`. */
async function subscribeScope(ctx: GatewayContext, status: { schedulerId: string; taskGroupId: string }, what: string): Promise<void> {
  await requireScopes(ctx, `queue:subscribe:${status.schedulerId}/${status.taskGroupId}/${what}`, 'subscribe');
}

@Resolver()
export class QueueResolver {
  @Query(() => TaskType, { nullable: true, description: 'A task’s definition and status, or null if there is none.' })
  task(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string) {
    return ctx.loaders.task.load(taskId);
  }

  @Query(() => [TaskType], { nullable: 'items', description: 'Several tasks at once, in the order asked (null where there is none).' })
  tasks(@Ctx() ctx: GatewayContext, @Arg('taskIds', () => [ID], { description: 'The tasks’ slugids (at most 1000).' }) taskIds: string[]) {
    return ctx.loaders.task.loadMany(taskIds.slice(0, 1000));
  }

  @Query(() => TaskGroupType, { nullable: true, description: 'A task group, or null if there is none.' })
  taskGroup(@Ctx() ctx: GatewayContext, @Arg('taskGroupId', () => ID, { description: 'The group’s id.' }) taskGroupId: string) {
    return getTaskGroup(ctx, { taskGroupId });
  }

  @Query(() => TaskStatusConnection, { description: 'Tasks that depend on a task.' })
  async dependents(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string, @Args(() => PageArgsInput) page: PageArgsInput) {
    return toConnection(await listDependents(ctx, { ...page, taskId }), (s) => s.taskId, same);
  }

  @Query(() => TaskQueueType, { description: 'A queue’s pending and claimed counts.' })
  taskQueue(@Ctx() ctx: GatewayContext, @Arg('taskQueueId', () => String, { description: '`<provisionerId>/<workerType>`.' }) taskQueueId: string) {
    return getTaskQueue(ctx, { taskQueueId });
  }

  @Mutation(() => TaskStatusType, { description: 'Creates a task (idempotent: the same definition again answers with the existing task).' })
  createTask(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string, @Arg('task', () => TaskInput, { description: 'The definition.' }) task: TaskInput) {
    return createTask(ctx, { taskId, task: task as never });
  }

  @Mutation(() => [TaskStatusType], { description: 'Creates up to 10,000 tasks with dependencies among them in one transaction: all or none.' })
  createTaskGraph(@Ctx() ctx: GatewayContext, @Arg('tasks', () => [TaskGraphEntry], { description: 'The tasks.' }) tasks: TaskGraphEntry[]) {
    return createTaskGraph(ctx, { tasks: tasks as never });
  }

  @Mutation(() => [TaskClaimType], { description: 'Claims up to 32 pending tasks, highest priority then oldest first; waits up to ~20 s for work.' })
  claimWork(
    @Ctx() ctx: GatewayContext,
    @Arg('taskQueueId', () => String, { description: '`<provisionerId>/<workerType>`.' }) taskQueueId: string,
    @Arg('workerGroup', () => String, { description: 'The worker’s group.' }) workerGroup: string,
    @Arg('workerId', () => String, { description: 'The worker’s id.' }) workerId: string,
    @Arg('tasks', () => Int, { defaultValue: 1, description: 'At most this many tasks (1–32).' }) tasks: number,
  ) {
    return claimWork(ctx, { taskQueueId, workerGroup, workerId, tasks, signal: ctx.signal });
  }

  @Mutation(() => TaskClaimType, { description: 'Extends a claim; fails with CONFLICT once the run is no longer running (e.g. canceled).' })
  reclaimTask(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string, @Arg('runId', () => Int, RUN_ARG) runId: number) {
    return reclaimTask(ctx, { taskId, runId });
  }

  @Mutation(() => TaskStatusType, { description: 'Resolves a run as completed (idempotent).' })
  reportCompleted(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string, @Arg('runId', () => Int, RUN_ARG) runId: number) {
    return reportCompleted(ctx, { taskId, runId });
  }

  @Mutation(() => TaskStatusType, { description: 'Resolves a run as failed (idempotent).' })
  reportFailed(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string, @Arg('runId', () => Int, RUN_ARG) runId: number) {
    return reportFailed(ctx, { taskId, runId });
  }

  @Mutation(() => [TaskStatusType], {
    nullable: 'items',
    description:
      'Resolves up to 64 runs as completed or failed in one request, committed together (for a worker that ran several tasks). ' +
      'Each is allowed by the run’s task credentials (`queue:resolve-task:<taskId>/<runId>`) or by the identity of the worker that claimed it ' +
      '(`queue:worker-id:<workerGroup>/<workerId>`, which a worker’s own credentials hold), and answered as reportCompleted or reportFailed would: ' +
      'a report refused is null in the list, with its error at its index.',
  })
  reportRuns(@Ctx() ctx: GatewayContext, @Arg('reports', () => [RunReportInput], { description: 'The runs and how each ended.' }) reports: RunReportInput[]) {
    return reportRuns(ctx, reports);
  }

  @Mutation(() => TaskStatusType, { description: 'Resolves a run as an exception; worker-shutdown and intermittent-task retry while retries are left.' })
  reportException(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, ID_ARG) taskId: string,
    @Arg('runId', () => Int, RUN_ARG) runId: number,
    @Arg('reason', () => String, { description: 'worker-shutdown, malformed-payload, resource-unavailable, internal-error, intermittent-task or superseded.' }) reason: string,
  ) {
    return reportException(ctx, { taskId, runId, reason });
  }

  @Mutation(() => TaskStatusType, { description: 'Cancels an unresolved task (exception/canceled).' })
  cancelTask(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string) {
    return cancelTask(ctx, { taskId });
  }

  @Mutation(() => TaskStatusType, { description: 'Adds a new run to a resolved task.' })
  rerunTask(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string) {
    return rerunTask(ctx, { taskId });
  }

  @Mutation(() => TaskStatusType, { description: 'Makes an unscheduled task pending, whatever its dependencies.' })
  scheduleTask(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, ID_ARG) taskId: string) {
    return scheduleTask(ctx, { taskId });
  }

  @Mutation(() => TaskStatusType, { description: 'Changes a task’s priority (also while it is pending).' })
  changeTaskPriority(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, ID_ARG) taskId: string,
    @Arg('priority', () => String, { description: 'The new priority.' }) priority: string,
  ) {
    return changeTaskPriority(ctx, { taskId, priority });
  }

  @Mutation(() => TaskGroupType, { description: 'Seals a task group: no task can be added after.' })
  sealTaskGroup(@Ctx() ctx: GatewayContext, @Arg('taskGroupId', () => ID, { description: 'The group.' }) taskGroupId: string) {
    return sealTaskGroup(ctx, { taskGroupId });
  }

  @Mutation(() => CancelTaskGroupResult, { description: 'Cancels every unresolved task of a sealed group.' })
  cancelTaskGroup(@Ctx() ctx: GatewayContext, @Arg('taskGroupId', () => ID, { description: 'The group.' }) taskGroupId: string) {
    return cancelTaskGroup(ctx, { taskGroupId });
  }

  @Subscription(() => TaskStatusType, {
    description:
      'Each change of a task’s status. With `since` (the `changes` of the last status you saw; 0 for none), it first sends the current status if it has more changes, then only statuses with more changes than the last sent: each change of state once and in order across reconnects (reclaims, which change no state, are not sent). Needs `queue:subscribe:<schedulerId>/<taskGroupId>/<taskId>`.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GatewayContext;
      const task = await ctx.loaders.task.load(args.taskId);
      if (!task) throw new ResourceNotFound(`task ${args.taskId} does not exist`);
      await subscribeScope(ctx, task, args.taskId);
      if (args.since != null) return statusesSince(ctx.core, args.taskId, args.since);
      return eventStream<TaskStatusEvent>(ctx.core.events, topics.task(args.taskId));
    },
  })
  taskStatusChanged(
    @Root() event: TaskStatusEvent,
    @Arg('taskId', () => ID, ID_ARG) _taskId: string,
    @Arg('since', () => Int, { nullable: true, description: 'Resume after the status with this many `changes`.' }) _since?: number,
  ): TaskStatusView {
    return event.status;
  }

  @Subscription(() => TaskStatusType, {
    description:
      'Each status change of any task of a group. With `since` (the latest `changedAt` you saw, or when you last had the stream), it first sends the current status of each task defined or changed since then (from 5 seconds before it: the times come from several machines’ clocks, so a status you saw just before may come again, with the same `changes`), then only statuses with more changes than the last sent of their task. Needs `queue:subscribe:<schedulerId>/<taskGroupId>/*`.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GatewayContext;
      const group = await getTaskGroup(ctx, { taskGroupId: args.taskGroupId });
      if (!group) throw new ResourceNotFound(`task group ${args.taskGroupId} does not exist`);
      await subscribeScope(ctx, group, '*');
      if (args.since != null) return groupStatusesSince(ctx.core, args.taskGroupId, args.since);
      return eventStream<TaskStatusEvent>(ctx.core.events, topics.group(args.taskGroupId));
    },
  })
  taskGroupChanged(
    @Root() event: TaskStatusEvent,
    @Arg('taskGroupId', () => ID, { description: 'The group.' }) _taskGroupId: string,
    @Arg('since', () => DateTimeResolver, { nullable: true, description: 'Resume with the tasks changed since this time.' }) _since?: Date,
  ): TaskStatusView {
    return event.status;
  }

  @Subscription(() => TaskGroupResolvedType, {
    description: 'Each time a group drains (no unresolved task left). Needs `queue:subscribe:<schedulerId>/<taskGroupId>/*`.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GatewayContext;
      const group = await getTaskGroup(ctx, { taskGroupId: args.taskGroupId });
      if (!group) throw new ResourceNotFound(`task group ${args.taskGroupId} does not exist`);
      await subscribeScope(ctx, group, '*');
      return eventStream<GroupResolvedEvent>(ctx.core.events, topics.groupResolved(args.taskGroupId));
    },
  })
  taskGroupResolved(@Root() event: GroupResolvedEvent, @Arg('taskGroupId', () => ID, { description: 'The group.' }) _taskGroupId: string): GroupResolvedEvent {
    return event;
  }
}

@Resolver(() => TaskGroupType)
export class TaskGroupResolver {
  @FieldResolver(() => TaskGroupCountsType, { description: 'Tasks by state.' })
  async counts(@Ctx() ctx: GatewayContext, @Root() group: TaskGroupView) {
    return (await getTaskGroup(ctx, { taskGroupId: group.taskGroupId }))!.counts;
  }

  @FieldResolver(() => TaskGroupTaskConnection, { description: 'The group’s tasks in taskId order, filtered by state and name.' })
  async tasks(
    @Ctx() ctx: GatewayContext,
    @Root() group: TaskGroupView,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('state', () => String, { nullable: true, description: 'Only tasks in this state.' }) state?: string | null,
    @Arg('name', () => String, { nullable: true, description: 'Only tasks whose name contains this.' }) name?: string | null,
  ) {
    return toConnection(await listTaskGroupTasks(ctx, { ...page, taskGroupId: group.taskGroupId, state, name }), (s) => s.taskId, same);
  }
}
