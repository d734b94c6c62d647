import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../db/columns';

/** A task group: all its tasks share one schedulerId; once sealed, no task may be added. */
@Entity({ name: 'task_groups' })
export class TaskGroup {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'task_group_id' })
  taskGroupId!: string;

  @Column({ type: 'varchar', length: 255, name: 'scheduler_id' })
  schedulerId!: string;

  @Column({ type: 'varchar', length: 255, name: 'project_id' })
  projectId!: string;

  @TimeColumn()
  expires!: Date;

  @TimeColumn({ nullable: true })
  sealed!: Date | null;
}
