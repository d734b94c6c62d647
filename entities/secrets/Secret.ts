import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../db/columns';

/**
 * A secret as stored: AES-256-GCM ciphertext of its JSON value, never the value itself. The key id
 * beside it says which key of the keyring opens it, so keys can rotate. Never exposed over GraphQL.
 */
@Entity({ name: 'secrets' })
@Index('secrets_expires', ['expires'])
export class Secret {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'varchar', length: 64, name: 'key_id' })
  keyId!: string;

  /** 12 random bytes, new on every write. */
  @Column({ type: 'blob' })
  iv!: Buffer;

  /** GCM's 16-byte tag: any change to the ciphertext, or reading it under another name, fails it. */
  @Column({ type: 'blob', name: 'auth_tag' })
  authTag!: Buffer;

  @Column({ type: 'blob' })
  ciphertext!: Buffer;

  @TimeColumn()
  expires!: Date;

  @TimeColumn()
  created!: Date;

  @TimeColumn({ name: 'last_modified' })
  lastModified!: Date;
}
