import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

export class Secrets1764320000005 implements MigrationInterface {
  name = 'Secrets1764320000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const mysql = queryRunner.connection.options.type === 'mysql';
    const time = (name: string) => ({ name, type: t.time, precision: t.timePrecision });
    // MySQL's plain BLOB stops at 64 KiB; a secret may be up to 1 MiB of JSON.
    const bytes = mysql ? 'mediumblob' : 'blob';
    await queryRunner.createTable(
      new Table({
        name: 'secrets',
        columns: [
          { name: 'name', type: 'varchar', length: '255', isPrimary: true, collation: t.idCollation },
          { name: 'key_id', type: 'varchar', length: '64' },
          { name: 'iv', type: mysql ? 'varbinary' : 'blob', length: mysql ? '12' : undefined },
          { name: 'auth_tag', type: mysql ? 'varbinary' : 'blob', length: mysql ? '16' : undefined },
          { name: 'ciphertext', type: bytes },
          time('expires'),
          time('created'),
          time('last_modified'),
        ],
        // The expiry job's scan; re-encryption walks the primary key.
        indices: [{ name: 'secrets_expires', columnNames: ['expires'] }],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('secrets', true);
  }
}
