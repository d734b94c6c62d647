import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';
import type { WorkerPoolConfig } from './pool-config';

/** A worker pool: workers of one kind, started by a provider, taking tasks from the queue of the same id. */
@Entity({ name: 'worker_pools' })
export class WorkerPool {
  /** `<provisionerId>/<workerType>`: also the taskQueueId its workers claim from. */
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'worker_pool_id' })
  workerPoolId!: string;

  /** `local`, or `null-provider` once the pool is marked for deletion. */
  @Column({ type: 'varchar', length: 64, name: 'provider_id' })
  providerId!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'varchar', length: 255 })
  owner!: string;

  @JsonColumn()
  config!: WorkerPoolConfig;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;

  /** The cron process that provisions the pool while its lease lasts. */
  @Column({ type: 'varchar', length: 255, name: 'lease_owner', nullable: true })
  leaseOwner!: string | null;

  @TimeColumn({ name: 'lease_until', nullable: true })
  leaseUntil!: Date | null;
}
