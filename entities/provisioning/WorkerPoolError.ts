import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

/**
 * Something that went wrong in a pool: a launch that failed, a worker that never registered.
 * Launch errors lower their launch config's weight for a while. Never holds secrets.
 */
@Entity({ name: 'worker_pool_errors' })
export class WorkerPoolError {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 255, name: 'worker_pool_id' })
  workerPoolId!: string;

  @Column({ type: 'varchar', length: 64, name: 'launch_config_id', nullable: true })
  launchConfigId!: string | null;

  /** launch-failed | registration-timeout | worker-exited | provider-error */
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text' })
  description!: string;

  /** e.g. { workerGroup, workerId, exit } */
  @JsonColumn()
  extra!: Record<string, unknown>;

  @TimeColumn()
  reported!: Date;
}
