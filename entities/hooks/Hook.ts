import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

export interface HookMetadata {
  name: string;
  description: string;
  owner: string;
  emailOnError: boolean;
}

/**
 * A hook: a task template fired on a schedule, by `triggerHook`, or by a webhook with a token.
 * `nextScheduledDate` and `nextTaskId` are the next scheduled fire, claimed by exactly one cron
 * process with a conditional update (see fire.ts). Never exposed directly over GraphQL.
 */
@Entity({ name: 'hooks' })
@Index('hooks_next_scheduled', ['nextScheduledDate'])
export class Hook {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'hook_group_id' })
  hookGroupId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, name: 'hook_id' })
  hookId!: string;

  @JsonColumn()
  metadata!: HookMetadata;

  /** Cron strings, UTC. */
  @JsonColumn()
  schedule!: string[];

  /** The JSON-e template of the task. */
  @JsonColumn({ name: 'task_template' })
  taskTemplate!: Record<string, unknown>;

  @JsonColumn({ name: 'trigger_schema' })
  triggerSchema!: Record<string, unknown>;

  /** SHA-256 (hex) of the webhook token; null until `resetTriggerToken` issues one. */
  @Column({ type: 'varchar', length: 64, name: 'trigger_token_hash', nullable: true })
  triggerTokenHash!: string | null;

  /** The next scheduled fire not yet claimed; null without a schedule. */
  @TimeColumn({ name: 'next_scheduled_date', nullable: true })
  nextScheduledDate!: Date | null;

  /** The taskId that fire will use; changes whenever a fire is claimed or the hook changes. */
  @Column({ type: 'varchar', length: 22, name: 'next_task_id' })
  nextTaskId!: string;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;
}
