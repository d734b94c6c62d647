import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

export class Hooks1764320000006 implements MigrationInterface {
  name = 'Hooks1764320000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const id = (name: string, length = '255', primary = false) => ({ name, type: 'varchar', length, isPrimary: primary, collation: t.idCollation });
    const time = (name: string, nullable = false) => ({ name, type: t.time, precision: t.timePrecision, isNullable: nullable });
    const json = (name: string, nullable = false) => ({ name, type: t.json, isNullable: nullable });

    await queryRunner.createTable(
      new Table({
        name: 'hooks',
        columns: [
          id('hook_group_id', '255', true),
          id('hook_id', '255', true),
          json('metadata'),
          json('schedule'),
          json('task_template'),
          json('trigger_schema'),
          { name: 'trigger_token_hash', type: 'varchar', length: '64', isNullable: true },
          time('next_scheduled_date', true),
          id('next_task_id', '22'),
          time('created'),
          time('last_modified'),
        ],
        indices: [{ name: 'hooks_next_scheduled', columnNames: ['next_scheduled_date'] }],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'hook_last_fires',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          id('hook_group_id'),
          id('hook_id'),
          { name: 'fired_by', type: 'varchar', length: '32' },
          id('task_id', '22'),
          time('scheduled_for', true),
          time('fired_at'),
          { name: 'missed_fires', type: 'integer' },
          { name: 'client_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'result', type: 'varchar', length: '16' },
          { name: 'error', type: t.text, isNullable: true },
          json('task_definition', true),
          { name: 'attempts', type: 'integer' },
          time('retry_at', true),
          time('resolved_at', true),
        ],
        indices: [
          { name: 'hook_last_fires_hook', columnNames: ['hook_group_id', 'hook_id', 'id'] },
          // A scheduled time fires once, whatever any number of cron processes do.
          { name: 'hook_last_fires_scheduled', columnNames: ['hook_group_id', 'hook_id', 'scheduled_for'], isUnique: true },
          { name: 'hook_last_fires_task', columnNames: ['task_id'], isUnique: true },
          { name: 'hook_last_fires_retry', columnNames: ['result', 'retry_at'] },
          { name: 'hook_last_fires_fired_at', columnNames: ['fired_at'] },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['hook_last_fires', 'hooks']) await queryRunner.dropTable(table, true);
  }
}
