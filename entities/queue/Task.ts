import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

/**
 * A task's definition and its denormalized current state. `state`, `priorityRank`,
 * `pendingSince` and `takenUntil` mirror the latest run, so the claim query and the upkeep scans
 * read one indexed table.
 */
@Entity({ name: 'tasks' })
@Index('tasks_claim', ['taskQueueId', 'state', 'priorityRank', 'pendingSince'])
@Index('tasks_group', ['taskGroupId', 'state'])
@Index('tasks_deadline', ['state', 'deadline'])
@Index('tasks_taken_until', ['state', 'takenUntil'])
@Index('tasks_expires', ['expires'])
export class Task {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  @Column({ type: 'varchar', length: 22, name: 'task_group_id' })
  taskGroupId!: string;

  @Column({ type: 'varchar', length: 255, name: 'scheduler_id' })
  schedulerId!: string;

  @Column({ type: 'varchar', length: 255, name: 'project_id' })
  projectId!: string;

  @Column({ type: 'varchar', length: 255, name: 'task_queue_id' })
  taskQueueId!: string;

  @Column({ type: 'varchar', length: 16 })
  priority!: string;

  /** Higher claims first: `highest` is 7, `lowest` 1. */
  @Column({ type: 'integer', name: 'priority_rank' })
  priorityRank!: number;

  @Column({ type: 'varchar', length: 16 })
  requires!: string;

  @Column({ type: 'integer' })
  retries!: number;

  @Column({ type: 'integer', name: 'retries_left' })
  retriesLeft!: number;

  @TimeColumn()
  created!: Date;

  @TimeColumn()
  deadline!: Date;

  @TimeColumn()
  expires!: Date;

  @JsonColumn()
  dependencies!: string[];

  @JsonColumn()
  routes!: string[];

  @JsonColumn()
  scopes!: string[];

  @JsonColumn()
  payload!: Record<string, unknown>;

  /** metadata.name, as a column so a group's tasks can be searched by name. */
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @JsonColumn()
  metadata!: { name: string; description: string; owner: string; source: string };

  @JsonColumn()
  tags!: Record<string, string>;

  @JsonColumn()
  extra!: Record<string, unknown>;

  /** unscheduled | pending | running | completed | failed | exception */
  @Column({ type: 'varchar', length: 16 })
  state!: string;

  /** When the current run became pending (claim order within a priority); null otherwise. */
  @TimeColumn({ name: 'pending_since', nullable: true })
  pendingSince!: Date | null;

  /** The current run's claim expiry while running; null otherwise. */
  @TimeColumn({ name: 'taken_until', nullable: true })
  takenUntil!: Date | null;

  /** Set at the first resolution; dependents act on it, later reruns do not count again. */
  @TimeColumn({ name: 'first_resolved', nullable: true })
  firstResolved!: Date | null;

  /** Number of runs; the latest run's id is runCount - 1. */
  @Column({ type: 'integer', name: 'run_count' })
  runCount!: number;
}
