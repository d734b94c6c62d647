import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from '../db/columns';

/** A client: an identity with an access token and scopes. Never exposed directly over GraphQL. */
@Entity({ name: 'clients' })
export class Client {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'client_id' })
  clientId!: string;

  /** SHA-256 of the access token, hex. Tokens are 256-bit random, so no salt or slow hash is needed. */
  @Column({ type: 'varchar', length: 64, name: 'access_token_hash' })
  accessTokenHash!: string;

  @JsonColumn()
  scopes!: string[];

  @Column({ type: 'text' })
  description!: string;

  @TimeColumn()
  expires!: Date;

  @Column({ type: 'boolean' })
  disabled!: boolean;

  @Column({ type: 'boolean', name: 'delete_on_expiration' })
  deleteOnExpiration!: boolean;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;

  @TimeColumn({ name: 'last_date_used' })
  lastDateUsed!: Date;

  @TimeColumn({ name: 'last_rotated' })
  lastRotated!: Date;
}
