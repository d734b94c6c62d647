import { Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../db/columns';

/**
 * A namespace that holds indexed tasks or other namespaces, for browsing: `a.b` is stored as
 * parent `a`, name `b`; top-level namespaces have parent ''. It lives as long as the longest-lived
 * entry ever indexed under it.
 */
@Entity({ name: 'namespaces' })
@Index('namespaces_expires', ['expires'])
export class Namespace {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  parent!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  @TimeColumn()
  expires!: Date;
}
