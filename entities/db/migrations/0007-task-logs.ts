import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

/** Live logs: each run's lines, in the chunks the worker sent them. */
export class TaskLogs1764320000007 implements MigrationInterface {
  name = 'TaskLogs1764320000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    await queryRunner.createTable(
      new Table({
        name: 'task_log_chunks',
        columns: [
          { name: 'task_id', type: 'varchar', length: '22', isPrimary: true, collation: t.idCollation },
          { name: 'run_id', type: 'integer', isPrimary: true },
          { name: 'first_line', type: 'integer', isPrimary: true },
          { name: 'line_count', type: 'integer' },
          { name: 'text', type: t.text },
          { name: 'expires', type: t.time, precision: t.timePrecision },
        ],
        indices: [{ name: 'task_log_chunks_expires', columnNames: ['expires'] }],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('task_log_chunks', true);
  }
}
