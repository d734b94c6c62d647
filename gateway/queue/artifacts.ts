// Artifacts over GraphQL: create (bytes go over HTTP, see artifact-http.ts), list, describe, and
// the artifact-created subscription. Resolvers are input → one command → output type.
import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, Float, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription, Field } from 'type-graphql';
import { requireScopes } from '../../entities/auth/require-scopes';
import type { Config } from '../../entities/config';
import { ResourceNotFound } from '../../entities/errors';
import { createArtifact } from '../../entities/queue/artifacts/create';
import { getArtifact, listArtifacts, listLatestArtifacts, requireArtifactRead } from '../../entities/queue/artifacts/queries';
import { artifactPath, type ArtifactCreatedEvent, type ArtifactView } from '../../entities/queue/artifacts/view';
import type { TaskView } from '../../entities/queue/commands/queries';
import { topics } from '../../entities/queue/events';
import type { GatewayContext } from '../context';
import { connectionType, PageArgsInput, toConnection } from '../common/connection';
import { eventStream } from '../common/event-stream';
import { TaskType } from './types';

const same = <T>(x: T) => x;
const TASK_ARG = { description: 'The task’s slugid.' };
const RUN_ARG = { description: 'The run’s number.' };
const NAME_ARG = { description: 'The artifact’s name, e.g. `public/logs/live.log` (may contain `/`).' };

@ObjectType('Artifact', { description: 'A named output of one run: stored bytes (`file`), a URL (`reference`), another artifact (`link`) or an `error`.' })
export class ArtifactType {
  @Field(() => ID, { description: 'The task.' })
  taskId!: string;

  @Field(() => Int, { description: 'The run that made it.' })
  runId!: number;

  @Field(() => String, { description: 'The name; reading the artifact needs `queue:get-artifact:<name>` (anonymous holds `queue:get-artifact:public/*`).' })
  name!: string;

  @Field(() => String, { description: '`file`, `reference`, `link` or `error`.' })
  storageType!: string;

  @Field(() => String, { nullable: true, description: 'The content type served (`file`) or announced (`reference`); null for `link` and `error`.' })
  contentType!: string | null;

  @Field(() => Float, { nullable: true, description: 'Size in bytes once a `file` artifact is uploaded; null otherwise.' })
  contentLength!: number | null;

  @Field(() => DateTimeResolver, { description: 'The artifact and its bytes are deleted after this time (at most the task’s expiry).' })
  expires!: Date;

  @Field(() => DateTimeResolver, { description: 'When the artifact was created.' })
  created!: Date;

  @Field(() => Boolean, { description: 'Whether it can be downloaded: a `file` artifact once its bytes are uploaded; the other types always.' })
  present!: boolean;
}

@ObjectType('CreatedArtifact', { description: 'What createArtifact answers: the artifact and, for a `file` artifact not uploaded yet, where to send the bytes.' })
export class CreatedArtifactType {
  @Field(() => ArtifactType, { description: 'The artifact.' })
  artifact!: ArtifactView;

  @Field(() => String, {
    nullable: true,
    description:
      'PUT the bytes here (absolute, from the gateway’s configured public URL) with the same task credentials in `Authorization: Bearer …`; null when there is nothing to upload.',
  })
  uploadUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'The same place as uploadUrl, as a path on the gateway you are talking to.' })
  uploadPath!: string | null;
}

export const ArtifactConnection = connectionType(ArtifactType, 'Artifact', 'artifact');

/** The gateway's public base URL: GATEWAY_URL without its `/graphql` path. */
export function publicUrl(config: Config, path: string): string {
  return `${config.gatewayUrl.replace(/\/graphql\/?$/, '').replace(/\/+$/, '')}${path}`;
}

@Resolver()
export class ArtifactResolver {
  @Query(() => ArtifactConnection, { description: 'The artifacts of a run, by name. Listing needs no scope; reading one needs `queue:get-artifact:<name>`.' })
  async artifacts(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, TASK_ARG) taskId: string,
    @Arg('runId', () => Int, RUN_ARG) runId: number,
    @Args(() => PageArgsInput) page: PageArgsInput,
  ) {
    return toConnection(await listArtifacts(ctx, { ...page, taskId, runId }), (a) => a.name, same);
  }

  @Query(() => ArtifactConnection, { description: 'The artifacts of a task’s latest run, by name.' })
  async latestArtifacts(@Ctx() ctx: GatewayContext, @Arg('taskId', () => ID, TASK_ARG) taskId: string, @Args(() => PageArgsInput) page: PageArgsInput) {
    return toConnection(await listLatestArtifacts(ctx, { ...page, taskId }), (a) => a.name, same);
  }

  @Query(() => ArtifactType, { nullable: true, description: 'One artifact, or null if the run has none of that name.' })
  artifact(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, TASK_ARG) taskId: string,
    @Arg('runId', () => Int, RUN_ARG) runId: number,
    @Arg('name', () => String, NAME_ARG) name: string,
  ) {
    return getArtifact(ctx, { taskId, runId, name });
  }

  @Mutation(() => CreatedArtifactType, {
    description:
      'Creates an artifact of a running run; needs `queue:create-artifact:<taskId>/<runId>` (task credentials carry it). Idempotent: the same artifact again answers with the existing one; a different one is a CONFLICT.',
  })
  async createArtifact(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, TASK_ARG) taskId: string,
    @Arg('runId', () => Int, RUN_ARG) runId: number,
    @Arg('name', () => String, NAME_ARG) name: string,
    @Arg('storageType', () => String, { description: '`file` (bytes uploaded after), `reference` (a URL), `link` (another artifact of the run) or `error`.' })
    storageType: string,
    @Arg('expires', () => DateTimeResolver, { nullable: true, description: 'Delete after this time (default and maximum: the task’s expiry).' })
    expires?: Date | null,
    @Arg('contentType', () => String, { nullable: true, description: '`file` and `reference`: the content type (default for `file`: application/octet-stream).' })
    contentType?: string | null,
    @Arg('url', () => String, { nullable: true, description: '`reference`: the http(s) URL downloads redirect to.' }) url?: string | null,
    @Arg('artifact', () => String, { nullable: true, description: '`link`: the name of the artifact of the same run this one stands for.' })
    artifact?: string | null,
    @Arg('reason', () => String, { nullable: true, description: '`error`: file-missing-on-worker, invalid-resource-on-worker or too-large-file-on-worker.' })
    reason?: string | null,
    @Arg('message', () => String, { nullable: true, description: '`error`: what went wrong, for people.' }) message?: string | null,
  ) {
    const created = await createArtifact(ctx, { taskId, runId, name, storageType, expires, contentType, url, artifact, reason, message });
    return { ...created, uploadUrl: created.uploadPath && publicUrl(ctx.core.config, created.uploadPath) };
  }

  @Subscription(() => ArtifactType, {
    description: 'Each artifact of a task as it becomes readable (a `file` once uploaded). Needs `queue:subscribe:<schedulerId>/<taskGroupId>/<taskId>`.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GatewayContext;
      const task = await ctx.loaders.task.load(args.taskId);
      if (!task) throw new ResourceNotFound(`task ${args.taskId} does not exist`);
      await requireScopes(ctx, `queue:subscribe:${task.schedulerId}/${task.taskGroupId}/${args.taskId}`, 'subscribe');
      return eventStream<ArtifactCreatedEvent>(ctx.core.events, topics.artifact(args.taskId));
    },
  })
  artifactCreated(@Root() event: ArtifactCreatedEvent, @Arg('taskId', () => ID, TASK_ARG) _taskId: string): ArtifactView {
    return event.artifact;
  }
}

/** What only a reader of the artifact sees: its URL, link target and error. */
@Resolver(() => ArtifactType)
export class ArtifactFieldsResolver {
  @FieldResolver(() => String, { nullable: true, description: '`reference`: the URL. Needs `queue:get-artifact:<name>`.' })
  async url(@Ctx() ctx: GatewayContext, @Root() a: ArtifactView) {
    if (a.url !== null) await requireArtifactRead(ctx, a.name);
    return a.url;
  }

  @FieldResolver(() => String, { nullable: true, description: '`link`: the name of the artifact it stands for. Needs `queue:get-artifact:<name>`.' })
  async artifact(@Ctx() ctx: GatewayContext, @Root() a: ArtifactView) {
    if (a.artifact !== null) await requireArtifactRead(ctx, a.name);
    return a.artifact;
  }

  @FieldResolver(() => String, { nullable: true, description: '`error`: the reason. Needs `queue:get-artifact:<name>`.' })
  async reason(@Ctx() ctx: GatewayContext, @Root() a: ArtifactView) {
    if (a.reason !== null) await requireArtifactRead(ctx, a.name);
    return a.reason;
  }

  @FieldResolver(() => String, { nullable: true, description: '`error`: the worker’s message. Needs `queue:get-artifact:<name>`.' })
  async message(@Ctx() ctx: GatewayContext, @Root() a: ArtifactView) {
    if (a.message !== null) await requireArtifactRead(ctx, a.name);
    return a.message;
  }

  @FieldResolver(() => String, { description: 'Where to GET it on the gateway you are talking to: `/artifacts/<taskId>/<runId>/<name>`.' })
  downloadPath(@Root() a: ArtifactView) {
    return artifactPath(a.taskId, a.runId, a.name);
  }

  @FieldResolver(() => String, { description: 'Where to GET it, absolute, from the gateway’s configured public URL.' })
  downloadUrl(@Ctx() ctx: GatewayContext, @Root() a: ArtifactView) {
    return publicUrl(ctx.core.config, artifactPath(a.taskId, a.runId, a.name));
  }
}

@Resolver(() => TaskType)
export class TaskArtifactsResolver {
  @FieldResolver(() => ArtifactConnection, { description: 'The artifacts of a run of this task (default: the latest run), by name.' })
  async artifacts(
    @Ctx() ctx: GatewayContext,
    @Root() task: TaskView,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('runId', () => Int, { nullable: true, description: 'The run (default: the latest).' }) runId?: number | null,
  ) {
    const run = runId ?? Math.max(task.status.runs.length - 1, 0);
    return toConnection(await listArtifacts(ctx, { ...page, taskId: task.taskId, runId: run }), (a) => a.name, same);
  }
}
