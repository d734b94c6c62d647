import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

/** A named set of scopes, granted to whoever holds `assume:<roleId>`. */
@Entity({ name: 'roles' })
export class Role {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'role_id' })
  roleId!: string;

  @JsonColumn()
  scopes!: string[];

  @Column({ type: 'text' })
  description!: string;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;
}
