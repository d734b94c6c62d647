import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per shared counter. `roles` is bumped in the same transaction as every role change, so
 * a gateway replica that missed an invalidation event still notices within its refresh interval.
 */
@Entity({ name: 'auth_state' })
export class AuthState {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'integer' })
  generation!: number;
}
