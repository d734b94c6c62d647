import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

export class Audit1764320000004 implements MigrationInterface {
  name = 'Audit1764320000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    await queryRunner.createTable(
      new Table({
        name: 'audit_entries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'entity_type', type: 'varchar', length: '32' },
          { name: 'entity_id', type: 'varchar', length: '512', collation: t.idCollation },
          { name: 'action', type: 'varchar', length: '32' },
          { name: 'client_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'at', type: t.time, precision: t.timePrecision },
        ],
        indices: [{ name: 'audit_entries_entity', columnNames: ['entity_type', 'entity_id', 'id'] }],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_entries', true);
  }
}
