import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../db/columns';

/** One attempt at a task. Only the latest run of a task can be unresolved. */
@Entity({ name: 'task_runs' })
export class TaskRun {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  @PrimaryColumn({ type: 'integer', name: 'run_id' })
  runId!: number;

  /** pending | running | completed | failed | exception */
  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ type: 'varchar', length: 32, name: 'reason_created' })
  reasonCreated!: string;

  @Column({ type: 'varchar', length: 32, name: 'reason_resolved', nullable: true })
  reasonResolved!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'worker_group', nullable: true })
  workerGroup!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'worker_id', nullable: true })
  workerId!: string | null;

  @TimeColumn({ name: 'taken_until', nullable: true })
  takenUntil!: Date | null;

  @TimeColumn()
  scheduled!: Date;

  @TimeColumn({ nullable: true })
  started!: Date | null;

  @TimeColumn({ nullable: true })
  resolved!: Date | null;
}
