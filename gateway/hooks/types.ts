// GraphQL types of the hooks area. Separate from the TypeORM entities: a hook's token hash and a
// fire's stored task definition never reach the API.
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@ObjectType('HookMetadata', { description: 'Human-readable facts about a hook.' })
export class HookMetadataType {
  @Field(() => String, { description: 'A short name.' })
  name!: string;

  @Field(() => String, { description: 'What the hook does (Markdown).' })
  description!: string;

  @Field(() => String, { description: 'Who to ask about it (an email address).' })
  owner!: string;

  @Field(() => Boolean, { description: 'Whether the owner wants an email when a fire fails.' })
  emailOnError!: boolean;
}

@InputType({ description: 'Human-readable facts about a hook.' })
export class HookMetadataInput {
  @Field(() => String, { description: 'A short name (1–255 characters).' })
  name!: string;

  @Field(() => String, { defaultValue: '', description: 'What the hook does (Markdown).' })
  description!: string;

  @Field(() => String, { description: 'Who to ask about it (an email address).' })
  owner!: string;

  @Field(() => Boolean, { defaultValue: true, description: 'Email the owner when a fire fails (default true).' })
  emailOnError!: boolean;
}

@InputType({ description: 'A hook’s definition.' })
export class HookInput {
  @Field(() => HookMetadataInput, { description: 'Name, description, owner.' })
  metadata!: HookMetadataInput;

  @Field(() => [String], {
    defaultValue: [],
    description: 'Cron strings in UTC: 5 fields (`m h dom mon dow`) or 6 (seconds first). Each scheduled time fires once, by exactly one cron process.',
  })
  schedule!: string[];

  @Field(() => JSONObjectResolver, {
    description:
      'The task definition as a JSON-e template, rendered with `{firedBy, taskId, now}` plus `payload` (triggers) and `clientId` (triggerHook). Rendering to null creates no task.',
  })
  task!: Record<string, unknown>;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'JSON schema of trigger payloads; defaults fill in. Default `{type: "object", additionalProperties: false}`.',
  })
  triggerSchema?: Record<string, unknown> | null;
}

@ObjectType('Hook', { description: 'A task template fired on a schedule, by triggerHook, or by a webhook with a token.' })
export class HookType {
  @Field(() => String, { description: 'The hook’s group.' })
  hookGroupId!: string;

  @Field(() => String, { description: 'The hook’s id within its group (may contain `/`).' })
  hookId!: string;

  @Field(() => HookMetadataType, { description: 'Name, description, owner.' })
  metadata!: HookMetadataType;

  @Field(() => [String], { description: 'Cron strings, UTC.' })
  schedule!: string[];

  @Field(() => JSONObjectResolver, { description: 'The task’s JSON-e template.' })
  task!: Record<string, unknown>;

  @Field(() => JSONObjectResolver, { description: 'JSON schema of trigger payloads.' })
  triggerSchema!: Record<string, unknown>;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'The next scheduled time not yet fired (briefly in the past while a cron catches up); null without a schedule.',
  })
  nextScheduledDate!: Date | null;

  @Field(() => Boolean, { description: 'Whether a webhook token has been issued (resetTriggerToken).' })
  hasTriggerToken!: boolean;

  @Field(() => DateTimeResolver, { description: 'When the hook was created.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When the hook was last changed.' })
  lastModified!: Date;
}

@ObjectType('HookFire', { description: 'One fire of a hook: when, why, the task it made and how that task is doing.' })
export class HookFireType {
  @Field(() => String, { description: 'The hook’s group.' })
  hookGroupId!: string;

  @Field(() => String, { description: 'The hook’s id.' })
  hookId!: string;

  @Field(() => String, { description: 'Why it fired: `schedule`, `triggerHook` or `triggerHookWithToken`.' })
  firedBy!: string;

  @Field(() => ID, { description: 'The taskId of the fire’s task (fixed before the task is made, so retries reuse it).' })
  taskId!: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The scheduled time this fire is for (schedule fires).' })
  scheduledFor!: Date | null;

  @Field(() => DateTimeResolver, { description: 'When it fired.' })
  firedAt!: Date;

  @Field(() => Int, { description: 'Scheduled times missed while no cron ran, folded into this one fire.' })
  missedFires!: number;

  @Field(() => String, { nullable: true, description: 'Who triggered it (triggerHook).' })
  clientId!: string | null;

  @Field(() => String, { description: '`created`, `no-task` (the template rendered to null), `error`, or `pending` (the task is being made; retried with the same taskId).' })
  result!: string;

  @Field(() => String, { nullable: true, description: 'Why the fire failed (result `error`).' })
  error!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the task was created or the fire failed.' })
  resolvedAt!: Date | null;
}

@ObjectType('TriggerToken', { description: 'A hook’s webhook token, shown once.' })
export class TriggerTokenType {
  @Field(() => String, { description: 'The token. Shown this once: store it now.' })
  token!: string;

  @Field(() => String, { description: 'The path to POST a JSON payload to: `/hooks/<hookGroupId>/<hookId>/trigger/<token>`.' })
  path!: string;
}

export const HookConnection = connectionType(HookType, 'Hook', 'hook');
export const HookFireConnection = connectionType(HookFireType, 'HookFire', 'hook fire');
