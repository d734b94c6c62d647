import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';
import type { WorkerState } from './rules';

/** What a provider remembers about the machine or process behind a worker. */
export interface ProviderData {
  /** Local provider: the process id and host, and which cron process started it (and its pid). */
  pid?: number;
  host?: string;
  owner?: string;
  cronPid?: number;
  /** Exit code or signal, once the process is gone. */
  exit?: string;
}

/**
 * One worker of a pool: `requested` by a provider, `running` once it registered, `stopping` while
 * the provider ends it, `stopped` after. The registration token is stored hashed and works once.
 */
@Entity({ name: 'workers' })
@Index('workers_identity', ['workerPoolId', 'workerGroup', 'workerId'], { unique: true })
export class Worker {
  /** Creation order; the key workers are listed by. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 255, name: 'worker_pool_id' })
  workerPoolId!: string;

  @Column({ type: 'varchar', length: 38, name: 'worker_group' })
  workerGroup!: string;

  @Column({ type: 'varchar', length: 38, name: 'worker_id' })
  workerId!: string;

  @Column({ type: 'varchar', length: 64, name: 'provider_id' })
  providerId!: string;

  @Column({ type: 'varchar', length: 64, name: 'launch_config_id', nullable: true })
  launchConfigId!: string | null;

  @Column({ type: 'integer' })
  capacity!: number;

  @Column({ type: 'varchar', length: 16 })
  state!: WorkerState;

  /** sha256 of the one-time registration token; null once used. */
  @Column({ type: 'varchar', length: 64, name: 'registration_token_hash', nullable: true })
  registrationTokenHash!: string | null;

  /** A worker not registered by then is stopped (lifecycle.registrationTimeout). */
  @TimeColumn({ name: 'registration_deadline' })
  registrationDeadline!: Date;

  @TimeColumn({ nullable: true })
  registered!: Date | null;

  /** When it registered or last claimed a task. */
  @TimeColumn({ name: 'last_active', nullable: true })
  lastActive!: Date | null;

  /** When its credentials expire (lifecycle.reregistrationTimeout after registering). */
  @TimeColumn({ nullable: true })
  expires!: Date | null;

  /** Why it was stopped: inactive, registration-timeout, pool-deleted, removed, exited, … */
  @Column({ type: 'varchar', length: 64, name: 'stop_reason', nullable: true })
  stopReason!: string | null;

  @JsonColumn({ name: 'provider_data' })
  providerData!: ProviderData;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;
}
