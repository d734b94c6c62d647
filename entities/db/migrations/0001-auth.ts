import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical, timeParam } from '../columns';

export class Auth1764320000001 implements MigrationInterface {
  name = 'Auth1764320000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const time = (name: string) => ({ name, type: t.time, precision: t.timePrecision });

    await queryRunner.createTable(
      new Table({
        name: 'clients',
        columns: [
          { name: 'client_id', type: 'varchar', length: '255', isPrimary: true, collation: t.idCollation },
          { name: 'access_token_hash', type: 'varchar', length: '64' },
          { name: 'scopes', type: t.json },
          { name: 'description', type: t.text },
          time('expires'),
          { name: 'disabled', type: t.bool },
          { name: 'delete_on_expiration', type: t.bool },
          time('created'),
          time('last_modified'),
          time('last_date_used'),
          time('last_rotated'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'roles',
        columns: [
          { name: 'role_id', type: 'varchar', length: '255', isPrimary: true, collation: t.idCollation },
          { name: 'scopes', type: t.json },
          { name: 'description', type: t.text },
          time('created'),
          time('last_modified'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_state',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'generation', type: 'integer' },
        ],
      }),
      true,
    );

    const now = timeParam(queryRunner.connection, new Date());
    await queryRunner.query(`INSERT INTO auth_state (name, generation) VALUES ('roles', 0)`);
    // The default anonymous role: what makes `public/` artifacts public (DESIGN §3).
    await queryRunner.query(
      `INSERT INTO roles (role_id, scopes, description, created, last_modified) VALUES (?, ?, ?, ?, ?)`,
      ['anonymous', JSON.stringify(['queue:get-artifact:public/*']), 'Scopes every caller holds, even without credentials.', now, now],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_state', true);
    await queryRunner.dropTable('roles', true);
    await queryRunner.dropTable('clients', true);
  }
}
