import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

export const STORAGE_TYPES = ['file', 'reference', 'link', 'error'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

/** What each storage type keeps besides its bytes. */
export interface ArtifactDetails {
  /** reference: where the content is. */
  url?: string;
  /** link: the name of another artifact of the same run. */
  artifact?: string;
  /** error: why the worker could not make the artifact. */
  reason?: string;
  message?: string;
}

/**
 * A named output of one run. A `file` artifact's bytes live in the artifact storage (a local
 * folder or S3) under a key made of (taskId, runId, name); the row says whether they are there.
 */
@Entity({ name: 'artifacts' })
@Index('artifacts_expires', ['expires'])
export class Artifact {
  @PrimaryColumn({ type: 'varchar', length: 22, name: 'task_id' })
  taskId!: string;

  @PrimaryColumn({ type: 'integer', name: 'run_id' })
  runId!: number;

  /** May contain `/`; compared byte by byte (binary collation on MySQL). */
  @PrimaryColumn({ type: 'varchar', length: 512 })
  name!: string;

  @Column({ type: 'varchar', length: 16, name: 'storage_type' })
  storageType!: StorageType;

  /** file: the type served; reference: informational; link and error: null. */
  @Column({ type: 'varchar', length: 255, name: 'content_type', nullable: true })
  contentType!: string | null;

  /** file: the size once uploaded; null otherwise. BIGINT comes back as a string on MySQL. */
  @Column({
    type: 'bigint',
    name: 'content_length',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) },
  })
  contentLength!: number | null;

  @TimeColumn()
  expires!: Date;

  @JsonColumn()
  details!: ArtifactDetails;

  /** file: the bytes are stored; every other type is present from its creation. */
  @Column({ type: 'boolean' })
  present!: boolean;

  @TimeColumn()
  created!: Date;
}
