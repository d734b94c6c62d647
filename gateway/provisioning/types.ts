// GraphQL types of the provisioning area: worker pools, their workers and errors, registration.
// Separate from the TypeORM entities: registration token hashes and leases never reach the API.
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@ObjectType('LaunchConfig', { description: 'One kind of worker a pool can start, and how much the provisioner prefers it.' })
export class LaunchConfigType {
  @Field(() => String, { description: 'Stable id: the one given, or `lc-` and a hash of the config’s content.' })
  launchConfigId!: string;

  @Field(() => Int, { description: 'How many tasks one worker of this config runs at once.' })
  capacityPerInstance!: number;

  @Field(() => Float, { description: 'Preference among the pool’s configs before load, recent errors and cost lower it.' })
  initialWeight!: number;

  @Field(() => Int, { description: 'At most this much capacity of this config at once.' })
  maxCapacity!: number;

  @Field(() => Float, { nullable: true, description: 'Price of one worker per hour; null when unknown (then it counts as the cheapest).' })
  costPerHour!: number | null;

  @Field(() => JSONObjectResolver, { description: 'Local provider: extra environment variables of the worker process.' })
  env!: Record<string, string>;
}

@ObjectType('WorkerLifecycle', { description: 'When the provisioner stops a pool’s workers. Times in seconds.' })
export class WorkerLifecycleType {
  @Field(() => Int, { description: 'A requested worker that has not registered this long after it was requested is stopped.' })
  registrationTimeout!: number;

  @Field(() => Int, { description: 'A worker that has neither claimed nor run a task for this long is stopped (how idle pools shrink).' })
  queueInactivityTimeout!: number;

  @Field(() => Int, { description: 'How long a worker’s credentials last after it registered; it is stopped when they expire.' })
  reregistrationTimeout!: number;
}

@ObjectType('WorkerPoolConfig', { description: 'How big a pool may be, how fast it grows, and what it starts.' })
export class WorkerPoolConfigType {
  @Field(() => Int, { description: 'Capacity kept even when there is no work.' })
  minCapacity!: number;

  @Field(() => Int, { description: 'Capacity never exceeded.' })
  maxCapacity!: number;

  @Field(() => Float, { description: 'Capacity requested per pending task (0–1).' })
  scalingRatio!: number;

  @Field(() => [LaunchConfigType], { description: 'The kinds of worker the pool starts.' })
  launchConfigs!: LaunchConfigType[];

  @Field(() => WorkerLifecycleType, { description: 'When workers are stopped.' })
  lifecycle!: WorkerLifecycleType;
}

@ObjectType('WorkerPool', { description: 'A pool of workers of one kind, started by a provider, claiming from the task queue of the same id.' })
export class WorkerPoolType {
  @Field(() => String, { description: '`<provisionerId>/<workerType>`; also the taskQueueId its workers claim from.' })
  workerPoolId!: string;

  @Field(() => String, { description: '`local` (worker processes on the cron machine), or `null-provider` once marked for deletion.' })
  providerId!: string;

  @Field(() => String, { description: 'What the pool is for (Markdown).' })
  description!: string;

  @Field(() => String, { description: 'Who to ask about the pool (e.g. an email address).' })
  owner!: string;

  @Field(() => WorkerPoolConfigType, { description: 'Sizes, launch configs and lifecycle.' })
  config!: WorkerPoolConfigType;

  @Field(() => DateTimeResolver, { description: 'When the pool was created.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When the pool was last changed.' })
  lastModified!: Date;
}

@ObjectType('WorkerPoolStats', { description: 'What a pool has now and what its queue asks for.' })
export class WorkerPoolStatsType {
  @Field(() => Int, { description: 'Tasks pending in the pool’s queue.' })
  pendingTasks!: number;

  @Field(() => Int, { description: 'Tasks of the queue claimed by a worker.' })
  claimedTasks!: number;

  @Field(() => Int, { description: 'Workers requested and not yet registered.' })
  requestedCount!: number;

  @Field(() => Int, { description: 'Workers registered and running.' })
  runningCount!: number;

  @Field(() => Int, { description: 'Workers being stopped.' })
  stoppingCount!: number;

  @Field(() => Int, { description: 'Stopped workers still listed (for a day).' })
  stoppedCount!: number;

  @Field(() => Int, { description: 'Capacity of requested workers.' })
  requestedCapacity!: number;

  @Field(() => Int, { description: 'Capacity of running workers.' })
  runningCapacity!: number;

  @Field(() => Int, { description: 'Capacity of stopping workers.' })
  stoppingCapacity!: number;

  @Field(() => Int, { description: 'Requested plus running capacity: what the estimator counts as existing.' })
  currentCapacity!: number;
}

@ObjectType('Worker', { description: 'One worker of a pool: requested → running → stopping → stopped.' })
export class WorkerType {
  @Field(() => String, { description: 'The pool it belongs to.' })
  workerPoolId!: string;

  @Field(() => String, { description: 'Its group (the `local` provider uses `local`).' })
  workerGroup!: string;

  @Field(() => String, { description: 'Its id, unique in the group.' })
  workerId!: string;

  @Field(() => String, { description: 'The provider that started it.' })
  providerId!: string;

  @Field(() => String, { nullable: true, description: 'The launch config it was started from.' })
  launchConfigId!: string | null;

  @Field(() => Int, { description: 'How many tasks it runs at once.' })
  capacity!: number;

  @Field(() => String, { description: '`requested`, `running`, `stopping` or `stopped`.' })
  state!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Why it was stopped: `inactive`, `registration-timeout`, `credentials-expired`, `pool-deleted`, `provider-changed`, `removed`, `launch-failed`, `exited` or `orphaned` (its cron process died while it shut down).',
  })
  stopReason!: string | null;

  @Field(() => DateTimeResolver, { description: 'When it was requested.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When its state last changed.' })
  lastModified!: Date;

  @Field(() => DateTimeResolver, { description: 'It must register before this time.' })
  registrationDeadline!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it registered.' })
  registered!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it registered or last claimed a task.' })
  lastActive!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When its credentials expire.' })
  expires!: Date | null;
}

@ObjectType('WorkerPoolError', { description: 'Something that went wrong in a pool, e.g. a worker that failed to start. Launch errors lower their launch config’s weight for ten minutes.' })
export class WorkerPoolErrorType {
  @Field(() => String, { description: 'The error’s id (increasing).' })
  errorId!: string;

  @Field(() => String, { description: 'The pool.' })
  workerPoolId!: string;

  @Field(() => String, { nullable: true, description: 'The launch config concerned, if any.' })
  launchConfigId!: string | null;

  @Field(() => String, { description: '`launch-failed`, `registration-timeout` or `worker-exited`.' })
  kind!: string;

  @Field(() => String, { description: 'One line saying what happened.' })
  title!: string;

  @Field(() => String, { description: 'More detail, e.g. the last lines the worker printed.' })
  description!: string;

  @Field(() => JSONObjectResolver, { description: 'Related facts, e.g. `{workerGroup, workerId, exit}`.' })
  extra!: Record<string, unknown>;

  @Field(() => DateTimeResolver, { description: 'When it happened.' })
  reported!: Date;
}

@ObjectType('WorkerCredentials', { description: 'Temporary credentials of a registered worker, scoped to its pool.' })
export class WorkerCredentialsType {
  @Field(() => String, { description: 'The client id they act as: `worker/<workerPoolId>/<workerGroup>/<workerId>`.' })
  clientId!: string;

  @Field(() => String, { description: 'The temporary access token.' })
  accessToken!: string;

  @Field(() => String, { description: 'The certificate’s JSON text, as Taskcluster’s temporary credentials carry it.' })
  certificate!: string;
}

@ObjectType('WorkerRegistration', { description: 'What a worker gets for its registration token.' })
export class WorkerRegistrationType {
  @Field(() => String, { description: 'The worker’s pool.' })
  workerPoolId!: string;

  @Field(() => String, { description: 'The worker’s group.' })
  workerGroup!: string;

  @Field(() => String, { description: 'The worker’s id.' })
  workerId!: string;

  @Field(() => WorkerCredentialsType, {
    description: 'Credentials with `queue:claim-work:<workerPoolId>`, `queue:worker-id:<workerGroup>/<workerId>`, `assume:worker-pool:<workerPoolId>` and the right to remove itself.',
  })
  credentials!: WorkerCredentialsType;

  @Field(() => DateTimeResolver, { description: 'When the credentials expire (the worker is stopped then).' })
  expires!: Date;
}

@InputType({ description: 'One kind of worker a pool can start.' })
export class LaunchConfigInput {
  @Field(() => String, { nullable: true, description: 'A stable id (1–38 of a-z A-Z 0-9 _ -); derived from the content when left out.' })
  launchConfigId?: string | null;

  @Field(() => Int, { defaultValue: 1, description: 'How many tasks one worker runs at once.' })
  capacityPerInstance!: number;

  @Field(() => Float, { defaultValue: 1, description: 'Preference among the pool’s configs (0 never launches).' })
  initialWeight!: number;

  @Field(() => Int, { nullable: true, description: 'At most this much capacity of this config (default: the pool’s maxCapacity).' })
  maxCapacity?: number | null;

  @Field(() => Float, { nullable: true, description: 'Price per worker-hour, positive; leave out when unknown.' })
  costPerHour?: number | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Local provider: extra environment variables (strings) of the worker process.' })
  env?: Record<string, unknown> | null;
}

@InputType({ description: 'When workers are stopped, in seconds; each left out keeps its default.' })
export class WorkerLifecycleInput {
  @Field(() => Int, { nullable: true, description: 'Time to register after being requested (default 1800).' })
  registrationTimeout?: number | null;

  @Field(() => Int, { nullable: true, description: 'Time without claiming or running a task before a worker is stopped (default 7200).' })
  queueInactivityTimeout?: number | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of a worker’s credentials (default 4 days, at most 31).' })
  reregistrationTimeout?: number | null;
}

@InputType({ description: 'Sizes, launch configs and lifecycle of a pool.' })
export class WorkerPoolConfigInput {
  @Field(() => Int, { defaultValue: 0, description: 'Capacity kept even when there is no work.' })
  minCapacity!: number;

  @Field(() => Int, { description: 'Capacity never exceeded.' })
  maxCapacity!: number;

  @Field(() => Float, { defaultValue: 1, description: 'Capacity requested per pending task (0–1).' })
  scalingRatio!: number;

  @Field(() => [LaunchConfigInput], { nullable: true, description: 'The kinds of worker to start; left out, one default config.' })
  launchConfigs?: LaunchConfigInput[] | null;

  @Field(() => WorkerLifecycleInput, { nullable: true, description: 'When workers are stopped.' })
  lifecycle?: WorkerLifecycleInput | null;
}

@InputType({ description: 'A worker pool’s definition (createWorkerPool, updateWorkerPool: the whole definition each time).' })
export class WorkerPoolInput {
  @Field(() => String, { description: '`local`: worker processes on the machine of the cron process that provisions the pool.' })
  providerId!: string;

  @Field(() => String, { defaultValue: '', description: 'What the pool is for (Markdown).' })
  description!: string;

  @Field(() => String, { defaultValue: '', description: 'Who to ask about the pool.' })
  owner!: string;

  @Field(() => WorkerPoolConfigInput, { description: 'Sizes, launch configs and lifecycle.' })
  config!: WorkerPoolConfigInput;
}

export const WorkerPoolConnection = connectionType(WorkerPoolType, 'WorkerPool', 'worker pool');
export const WorkerConnection = connectionType(WorkerType, 'Worker', 'worker');
export const WorkerPoolErrorConnection = connectionType(WorkerPoolErrorType, 'WorkerPoolError', 'worker pool error');
