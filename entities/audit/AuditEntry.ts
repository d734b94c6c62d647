import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimeColumn } from '../db/columns';

/** Who created, changed or deleted what, and when. Never values: no scopes' secrets, no tokens. */
@Entity({ name: 'audit_entries' })
@Index('audit_entries_entity', ['entityType', 'entityId', 'id'])
export class AuditEntry {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** client | role | secret | hook | worker-pool | … */
  @Column({ type: 'varchar', length: 32, name: 'entity_type' })
  entityType!: string;

  @Column({ type: 'varchar', length: 512, name: 'entity_id' })
  entityId!: string;

  /** created | updated | deleted | reset-access-token | enabled | disabled | … */
  @Column({ type: 'varchar', length: 32 })
  action!: string;

  /** The caller's clientId; null for a caller without credentials or for the platform itself. */
  @Column({ type: 'varchar', length: 255, name: 'client_id', nullable: true })
  clientId!: string | null;

  @TimeColumn()
  at!: Date;
}
