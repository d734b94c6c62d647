import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../db/columns';

/**
 * A run of consecutive lines of one run's live log, as one worker batch stored them. Lines are
 * numbered from 0; a chunk holds lines `firstLine … firstLine + lineCount - 1`, joined by `\n`
 * (a line never contains `\n`). Chunks of a run never overlap and leave no gap.
 */
@Entity({ name: 'task_log_chunks' })
@Index('task_log_chunks_expires', ['expires'])
export class TaskLogChunk {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  @PrimaryColumn({ type: 'integer', name: 'run_id' })
  runId!: number;

  @PrimaryColumn({ type: 'integer', name: 'first_line' })
  firstLine!: number;

  @Column({ type: 'integer', name: 'line_count' })
  lineCount!: number;

  /** The lines joined by `\n` (MEDIUMTEXT on MySQL: a chunk is at most a few hundred KB). */
  @Column({ type: 'text' })
  text!: string;

  /** The task's expiry: the log goes with the task. */
  @TimeColumn()
  expires!: Date;
}
