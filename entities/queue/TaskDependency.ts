import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * "dependent waits for required". A dependent is ready when none of its rows is unsatisfied —
 * one indexed count however many dependencies it has; the rows stay for `dependents(taskId)`.
 */
@Entity({ name: 'task_dependencies' })
@Index('task_dependencies_required', ['requiredTaskId'])
@Index('task_dependencies_open', ['dependentTaskId', 'satisfied'])
export class TaskDependency {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'dependent_task_id' })
  dependentTaskId!: string;

  @PrimaryColumn({ type: 'varchar', length: 22, name: 'required_task_id' })
  requiredTaskId!: string;

  /** all-completed | all-resolved, copied from the dependent so resolution reads one table. */
  @Column({ type: 'varchar', length: 16 })
  requires!: string;

  @Column({ type: 'boolean' })
  satisfied!: boolean;
}
