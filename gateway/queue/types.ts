// GraphQL types of the queue area, with Taskcluster's field names.
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@ObjectType('TaskRun', { description: 'One attempt at a task.' })
export class TaskRunType {
  @Field(() => Int, { description: 'The run’s number, from 0.' })
  runId!: number;

  @Field(() => String, { description: '`pending`, `running`, `completed`, `failed` or `exception`.' })
  state!: string;

  @Field(() => String, { description: 'Why the run was created: `scheduled`, `retry`, `task-retry`, `rerun` or `exception`.' })
  reasonCreated!: string;

  @Field(() => String, { nullable: true, description: 'Why the run was resolved, e.g. `completed`, `failed`, `deadline-exceeded`, `canceled`, `claim-expired`, `worker-shutdown`.' })
  reasonResolved!: string | null;

  @Field(() => String, { nullable: true, description: 'The group of the worker that claimed the run.' })
  workerGroup!: string | null;

  @Field(() => String, { nullable: true, description: 'The worker that claimed the run.' })
  workerId!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The claim lapses at this time unless the worker reclaims.' })
  takenUntil!: Date | null;

  @Field(() => DateTimeResolver, { description: 'When the run became pending (or was created resolved).' })
  scheduled!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When a worker claimed the run.' })
  started!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the run was resolved.' })
  resolved!: Date | null;
}

@ObjectType('TaskStatus', { description: 'A task’s state and runs.' })
export class TaskStatusType {
  @Field(() => ID, { description: 'The task’s slugid.' })
  taskId!: string;

  @Field(() => ID, { description: 'The task group it belongs to.' })
  taskGroupId!: string;

  @Field(() => String, { description: 'The queue its workers claim from: `<provisionerId>/<workerType>`.' })
  taskQueueId!: string;

  @Field(() => String, { description: 'The scheduler that owns the task group.' })
  schedulerId!: string;

  @Field(() => String, { description: 'The project the task belongs to.' })
  projectId!: string;

  @Field(() => String, { description: '`unscheduled` (no run yet) or the latest run’s state.' })
  state!: string;

  @Field(() => Int, { description: 'Automatic retries left for worker-shutdown, claim-expired and intermittent-task.' })
  retriesLeft!: number;

  @Field(() => DateTimeResolver, { description: 'An unresolved task is resolved `exception/deadline-exceeded` at this time.' })
  deadline!: Date;

  @Field(() => DateTimeResolver, { description: 'The task and its artifacts are deleted after this time.' })
  expires!: Date;

  @Field(() => [TaskRunType], { description: 'Every run, oldest first.' })
  runs!: TaskRunType[];
}

@ObjectType('TaskMetadata', { description: 'Human-readable facts about a task.' })
export class TaskMetadataType {
  @Field(() => String, { description: 'A short name.' })
  name!: string;

  @Field(() => String, { description: 'What the task does (Markdown).' })
  description!: string;

  @Field(() => String, { description: 'Who to ask about it (an email address).' })
  owner!: string;

  @Field(() => String, { description: 'Where the task was defined (a URL).' })
  source!: string;
}

@InputType({ description: 'Human-readable facts about a task.' })
export class TaskMetadataInput {
  @Field(() => String, { description: 'A short name (1–255 characters).' })
  name!: string;

  @Field(() => String, { defaultValue: '', description: 'What the task does (Markdown).' })
  description!: string;

  @Field(() => String, { description: 'Who to ask about it (an email address).' })
  owner!: string;

  @Field(() => String, { defaultValue: '', description: 'Where the task was defined (a URL).' })
  source!: string;
}

@InputType({ description: 'A task definition, with Taskcluster’s field names: a Taskcluster task JSON is valid input.' })
export class TaskInput {
  @Field(() => String, { nullable: true, description: '`<provisionerId>/<workerType>`; or give provisionerId and workerType.' })
  taskQueueId?: string | null;

  @Field(() => String, { nullable: true, description: 'Legacy first half of taskQueueId.' })
  provisionerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Legacy second half of taskQueueId.' })
  workerType?: string | null;

  @Field(() => String, { nullable: true, description: 'The scheduler owning the task group (default `-`).' })
  schedulerId?: string | null;

  @Field(() => String, { nullable: true, description: 'The project (default `none`).' })
  projectId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The task group (default: the taskId).' })
  taskGroupId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Tasks that must resolve first (at most 10,000).' })
  dependencies?: string[] | null;

  @Field(() => String, { nullable: true, description: '`all-completed` (default) or `all-resolved`.' })
  requires?: string | null;

  @Field(() => [String], { nullable: true, description: 'Routes (at most 64); `index.<namespace>` indexes the task when it completes.' })
  routes?: string[] | null;

  @Field(() => String, { nullable: true, description: '`highest` … `lowest` (default `lowest`).' })
  priority?: string | null;

  @Field(() => Int, { nullable: true, description: 'Automatic retries, 0–49 (default 5).' })
  retries?: number | null;

  @Field(() => DateTimeResolver, { description: 'When the task was defined.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'Resolve by this time (at most 5 days after created).' })
  deadline!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Delete after this time (default: deadline + 1 year).' })
  expires?: Date | null;

  @Field(() => [String], { nullable: true, description: 'Scopes the task’s credentials carry; the creator must hold them.' })
  scopes?: string[] | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'What the worker runs (worker-specific JSON).' })
  payload?: Record<string, unknown> | null;

  @Field(() => TaskMetadataInput, { description: 'Name, description, owner and source.' })
  metadata!: TaskMetadataInput;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Tags: an object of strings.' })
  tags?: Record<string, string> | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Anything else (JSON), e.g. `extra.index.rank`.' })
  extra?: Record<string, unknown> | null;
}

@InputType({ description: 'One task of a graph.' })
export class TaskGraphEntry {
  @Field(() => ID, { description: 'The task’s slugid, chosen by the client.' })
  taskId!: string;

  @Field(() => TaskInput, { description: 'The task definition.' })
  task!: TaskInput;
}

@InputType({ description: 'One run reported by reportRuns.' })
export class RunReportInput {
  @Field(() => ID, { description: 'The task’s slugid.' })
  taskId!: string;

  @Field(() => Int, { description: 'The run’s number.' })
  runId!: number;

  @Field(() => String, { description: '`completed` or `failed` (reportException reports an exception).' })
  state!: string;
}

@ObjectType('Task', { description: 'A task’s definition and its status.' })
export class TaskType {
  @Field(() => ID, { description: 'The task’s slugid.' })
  taskId!: string;

  @Field(() => String, { description: '`<provisionerId>/<workerType>`.' })
  taskQueueId!: string;

  @Field(() => String, { description: 'The scheduler owning the task group.' })
  schedulerId!: string;

  @Field(() => String, { description: 'The project.' })
  projectId!: string;

  @Field(() => ID, { description: 'The task group.' })
  taskGroupId!: string;

  @Field(() => [ID], { description: 'Tasks that must resolve first.' })
  dependencies!: string[];

  @Field(() => String, { description: '`all-completed` or `all-resolved`.' })
  requires!: string;

  @Field(() => [String], { description: 'Routes.' })
  routes!: string[];

  @Field(() => String, { description: 'Claim priority.' })
  priority!: string;

  @Field(() => Int, { description: 'Automatic retries allowed.' })
  retries!: number;

  @Field(() => DateTimeResolver, { description: 'When the task was defined.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'Resolve-by time.' })
  deadline!: Date;

  @Field(() => DateTimeResolver, { description: 'Deletion time.' })
  expires!: Date;

  @Field(() => [String], { description: 'Scopes of the task’s credentials.' })
  scopes!: string[];

  @Field(() => JSONObjectResolver, { description: 'What the worker runs.' })
  payload!: Record<string, unknown>;

  @Field(() => TaskMetadataType, { description: 'Name, description, owner and source.' })
  metadata!: TaskMetadataType;

  @Field(() => JSONObjectResolver, { description: 'Tags.' })
  tags!: Record<string, string>;

  @Field(() => JSONObjectResolver, { description: 'Anything else.' })
  extra!: Record<string, unknown>;

  @Field(() => TaskStatusType, { description: 'State and runs.' })
  status!: TaskStatusType;
}

@ObjectType('TaskCredentials', { description: 'Temporary credentials for one claimed run.' })
export class TaskCredentialsType {
  @Field(() => String, { description: 'The client id the credentials act as.' })
  clientId!: string;

  @Field(() => String, { description: 'The temporary access token.' })
  accessToken!: string;

  @Field(() => String, { description: 'The certificate’s JSON text, as Taskcluster’s temporary credentials carry it.' })
  certificate!: string;
}

@ObjectType('TaskClaim', { description: 'A run claimed by a worker.' })
export class TaskClaimType {
  @Field(() => TaskStatusType, { description: 'The task’s status after the claim.' })
  status!: TaskStatusType;

  @Field(() => Int, { description: 'The claimed run.' })
  runId!: number;

  @Field(() => DateTimeResolver, { description: 'Reclaim before this time, or the claim lapses.' })
  takenUntil!: Date;

  @Field(() => TaskType, { description: 'The task to run.' })
  task!: TaskType;

  @Field(() => TaskCredentialsType, { description: 'Credentials for this run: reclaim, resolve, create artifacts, and the task’s scopes.' })
  credentials!: TaskCredentialsType;
}

@ObjectType('TaskGroupCounts', { description: 'How many tasks of a group are in each state.' })
export class TaskGroupCountsType {
  @Field(() => Int, { description: 'Tasks waiting on dependencies.' }) unscheduled!: number;
  @Field(() => Int, { description: 'Tasks waiting for a worker.' }) pending!: number;
  @Field(() => Int, { description: 'Tasks being run.' }) running!: number;
  @Field(() => Int, { description: 'Tasks completed.' }) completed!: number;
  @Field(() => Int, { description: 'Tasks failed.' }) failed!: number;
  @Field(() => Int, { description: 'Tasks resolved as an exception.' }) exception!: number;
  @Field(() => Int, { description: 'All tasks of the group.' }) total!: number;
}

@ObjectType('TaskGroup', { description: 'Tasks created together under one taskGroupId.' })
export class TaskGroupType {
  @Field(() => ID, { description: 'The group’s id.' })
  taskGroupId!: string;

  @Field(() => String, { description: 'The scheduler owning the group.' })
  schedulerId!: string;

  @Field(() => String, { description: 'The project of the group’s first task.' })
  projectId!: string;

  @Field(() => DateTimeResolver, { description: 'When the group expires (its latest task’s expiry).' })
  expires!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the group was sealed; no task can join after.' })
  sealed!: Date | null;
}

@ObjectType('TaskGroupTask', { description: 'A task of a group: its status and name.' })
export class TaskGroupTaskType extends TaskStatusType {
  @Field(() => String, { description: 'metadata.name of the task.' })
  name!: string;
}

@ObjectType('TaskQueue', { description: 'A queue workers claim from.' })
export class TaskQueueType {
  @Field(() => String, { description: '`<provisionerId>/<workerType>`.' })
  taskQueueId!: string;

  @Field(() => Int, { description: 'Tasks waiting for a worker.' })
  pendingCount!: number;

  @Field(() => Int, { description: 'Tasks claimed and running.' })
  claimedCount!: number;
}

@ObjectType('TaskGroupResolved', { description: 'A group has no unresolved task left (sent each time it drains).' })
export class TaskGroupResolvedType {
  @Field(() => ID, { description: 'The group.' })
  taskGroupId!: string;

  @Field(() => String, { description: 'Its scheduler.' })
  schedulerId!: string;
}

@ObjectType('CancelTaskGroupResult', { description: 'What cancelTaskGroup did.' })
export class CancelTaskGroupResult {
  @Field(() => TaskGroupType, { description: 'The group.' })
  group!: TaskGroupType;

  @Field(() => Int, { description: 'How many tasks were canceled.' })
  canceled!: number;
}

export const TaskStatusConnection = connectionType(TaskStatusType, 'TaskStatus', 'task status');
export const TaskGroupTaskConnection = connectionType(TaskGroupTaskType, 'TaskGroupTask', 'task of the group');
