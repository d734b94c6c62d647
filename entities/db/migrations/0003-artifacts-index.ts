import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

/** Artifacts of runs, and the index (indexed tasks and the namespaces above them). */
export class ArtifactsIndex1764320000003 implements MigrationInterface {
  name = 'ArtifactsIndex1764320000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const text = (name: string, length = '255') => ({ name, type: 'varchar', length, collation: t.idCollation });
    const time = (name: string) => ({ name, type: t.time, precision: t.timePrecision });
    const json = (name: string) => ({ name, type: t.json });

    // Keys stay under InnoDB's 3,072-byte limit: 22 + 512 utf8mb4 characters plus an integer.
    await queryRunner.createTable(
      new Table({
        name: 'artifacts',
        columns: [
          { ...text('task_id', '22'), isPrimary: true },
          { name: 'run_id', type: 'integer', isPrimary: true },
          { ...text('name', '512'), isPrimary: true },
          text('storage_type', '16'),
          { name: 'content_type', type: 'varchar', length: '255', isNullable: true },
          { name: 'content_length', type: 'bigint', isNullable: true },
          time('expires'),
          json('details'),
          { name: 'present', type: t.bool },
          time('created'),
        ],
        indices: [{ name: 'artifacts_expires', columnNames: ['expires'] }],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'indexed_tasks',
        columns: [
          { ...text('namespace'), isPrimary: true },
          { ...text('name'), isPrimary: true },
          { name: 'task_rank', type: 'double' },
          text('task_id', '22'),
          json('data'),
          time('expires'),
        ],
        indices: [{ name: 'indexed_tasks_expires', columnNames: ['expires'] }],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'namespaces',
        columns: [{ ...text('parent'), isPrimary: true }, { ...text('name'), isPrimary: true }, time('expires')],
        indices: [{ name: 'namespaces_expires', columnNames: ['expires'] }],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['namespaces', 'indexed_tasks', 'artifacts']) await queryRunner.dropTable(table, true);
  }
}
