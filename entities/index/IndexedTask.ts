import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

/**
 * The task an index path points at. Index path `a.b.c` is stored as namespace `a.b`, name `c`,
 * as Taskcluster's index does, so listing a namespace's tasks is one indexed range.
 */
@Entity({ name: 'indexed_tasks' })
@Index('indexed_tasks_expires', ['expires'])
export class IndexedTask {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  namespace!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  /** From `task.extra.index.rank` (default 0): a higher or equal rank replaces the entry. */
  @Column({ type: 'double', name: 'task_rank' })
  rank!: number;

  @Column({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  /** From `task.extra.index.data` (default {}). */
  @JsonColumn()
  data!: Record<string, unknown>;

  @TimeColumn()
  expires!: Date;
}
