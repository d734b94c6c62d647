import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { physical } from '../columns';

export class Queue1764320000002 implements MigrationInterface {
  name = 'Queue1764320000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const id = (name: string, primary = false) => ({ name, type: 'varchar', length: '22', isPrimary: primary, collation: t.idCollation });
    const text = (name: string, length = '255') => ({ name, type: 'varchar', length, collation: t.idCollation });
    const time = (name: string, nullable = false) => ({ name, type: t.time, precision: t.timePrecision, isNullable: nullable });
    const json = (name: string) => ({ name, type: t.json });

    await queryRunner.createTable(
      new Table({
        name: 'tasks',
        columns: [
          id('task_id', true),
          id('task_group_id'),
          text('scheduler_id'),
          text('project_id'),
          text('task_queue_id'),
          text('priority', '16'),
          { name: 'priority_rank', type: 'integer' },
          text('requires', '16'),
          { name: 'retries', type: 'integer' },
          { name: 'retries_left', type: 'integer' },
          time('created'),
          time('deadline'),
          time('expires'),
          json('dependencies'),
          json('routes'),
          json('scopes'),
          json('payload'),
          { name: 'name', type: 'varchar', length: '255' },
          json('metadata'),
          json('tags'),
          json('extra'),
          text('state', '16'),
          time('pending_since', true),
          time('taken_until', true),
          time('first_resolved', true),
          { name: 'run_count', type: 'integer' },
        ],
        indices: [
          { name: 'tasks_group', columnNames: ['task_group_id', 'state'] },
          { name: 'tasks_deadline', columnNames: ['state', 'deadline'] },
          { name: 'tasks_taken_until', columnNames: ['state', 'taken_until'] },
          { name: 'tasks_expires', columnNames: ['expires'] },
        ],
      }),
      true,
    );
    // Claim order is priority_rank DESC, pending_since ASC: the index must have that order, or the
    // claim query filesorts (and under FOR UPDATE locks) every pending task of the queue.
    await queryRunner.query('CREATE INDEX tasks_claim ON tasks (task_queue_id, state, priority_rank DESC, pending_since)');
    await queryRunner.createTable(
      new Table({
        name: 'task_runs',
        columns: [
          id('task_id', true),
          { name: 'run_id', type: 'integer', isPrimary: true },
          text('state', '16'),
          text('reason_created', '32'),
          { ...text('reason_resolved', '32'), isNullable: true },
          { ...text('worker_group'), isNullable: true },
          { ...text('worker_id'), isNullable: true },
          time('taken_until', true),
          time('scheduled'),
          time('started', true),
          time('resolved', true),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'task_dependencies',
        columns: [id('dependent_task_id', true), id('required_task_id', true), text('requires', '16'), { name: 'satisfied', type: t.bool }],
        indices: [
          { name: 'task_dependencies_required', columnNames: ['required_task_id'] },
          { name: 'task_dependencies_open', columnNames: ['dependent_task_id', 'satisfied'] },
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'task_groups',
        columns: [id('task_group_id', true), text('scheduler_id'), text('project_id'), time('expires'), time('sealed', true)],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['task_groups', 'task_dependencies', 'task_runs', 'tasks']) await queryRunner.dropTable(table, true);
  }
}
