import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

export type FiredBy = 'schedule' | 'triggerHook' | 'triggerHookWithToken';
/** `pending`: claimed, its task not yet created (retried with the same taskId until it is). */
export type FireResult = 'pending' | 'created' | 'no-task' | 'error';

/**
 * One fire of a hook. A scheduled fire is inserted in the same transaction that advances the
 * hook's next scheduled date, and the unique (hook, scheduled_for) index makes a second fire of
 * the same scheduled time impossible whatever the cron processes do.
 */
@Entity({ name: 'hook_last_fires' })
@Index('hook_last_fires_hook', ['hookGroupId', 'hookId', 'id'])
@Index('hook_last_fires_scheduled', ['hookGroupId', 'hookId', 'scheduledFor'], { unique: true })
@Index('hook_last_fires_task', ['taskId'], { unique: true })
@Index('hook_last_fires_retry', ['result', 'retryAt'])
@Index('hook_last_fires_fired_at', ['firedAt'])
export class HookFire {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 255, name: 'hook_group_id' })
  hookGroupId!: string;

  @Column({ type: 'varchar', length: 255, name: 'hook_id' })
  hookId!: string;

  @Column({ type: 'varchar', length: 32, name: 'fired_by' })
  firedBy!: FiredBy;

  @Column({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  /** The scheduled time this fire is for (schedule fires only). */
  @TimeColumn({ name: 'scheduled_for', nullable: true })
  scheduledFor!: Date | null;

  /** When the fire was claimed (and the template rendered). */
  @TimeColumn({ name: 'fired_at' })
  firedAt!: Date;

  /** Scheduled times before `scheduledFor` that were missed (cron down) and folded into this fire. */
  @Column({ type: 'integer', name: 'missed_fires' })
  missedFires!: number;

  /** Who triggered it (triggerHook); null for schedule and webhook fires. */
  @Column({ type: 'varchar', length: 255, name: 'client_id', nullable: true })
  clientId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  result!: FireResult;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The rendered task (JSON), kept while pending so a retry creates exactly the same task. */
  @JsonColumn({ name: 'task_definition', nullable: true })
  taskDefinition!: Record<string, unknown> | null;

  @Column({ type: 'integer' })
  attempts!: number;

  /** A pending fire whose creator went quiet is retried after this time. */
  @TimeColumn({ name: 'retry_at', nullable: true })
  retryAt!: Date | null;

  /** When the task was created (or the fire failed for good). */
  @TimeColumn({ name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;
}
