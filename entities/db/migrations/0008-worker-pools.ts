import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { physical } from '../columns';

/** Worker pools, their workers (requested → running → stopping → stopped) and their errors. */
export class WorkerPools1764320000008 implements MigrationInterface {
  name = 'WorkerPools1764320000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = physical(queryRunner.connection);
    const text = (name: string, length = '255', nullable = false) => ({ name, type: 'varchar', length, collation: t.idCollation, isNullable: nullable });
    const time = (name: string, nullable = false) => ({ name, type: t.time, precision: t.timePrecision, isNullable: nullable });

    await queryRunner.createTable(
      new Table({
        name: 'worker_pools',
        columns: [
          { ...text('worker_pool_id'), isPrimary: true },
          text('provider_id', '64'),
          { name: 'description', type: t.text },
          text('owner'),
          { name: 'config', type: t.json },
          time('created'),
          time('last_modified'),
          // The provisioning lease: which cron process provisions this pool, and until when.
          text('lease_owner', '255', true),
          time('lease_until', true),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'workers',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          text('worker_pool_id'),
          text('worker_group', '38'),
          text('worker_id', '38'),
          text('provider_id', '64'),
          text('launch_config_id', '64', true),
          { name: 'capacity', type: 'integer' },
          text('state', '16'),
          text('registration_token_hash', '64', true),
          time('registration_deadline'),
          time('registered', true),
          time('last_active', true),
          time('expires', true),
          text('stop_reason', '64', true),
          { name: 'provider_data', type: t.json },
          time('created'),
          time('last_modified'),
        ],
        indices: [
          { name: 'workers_identity', columnNames: ['worker_pool_id', 'worker_group', 'worker_id'], isUnique: true },
          { name: 'workers_pool_state', columnNames: ['worker_pool_id', 'state'] },
          { name: 'workers_state_modified', columnNames: ['state', 'last_modified'] },
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'worker_pool_errors',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          text('worker_pool_id'),
          text('launch_config_id', '64', true),
          text('kind', '32'),
          { name: 'title', type: 'varchar', length: '255' },
          { name: 'description', type: t.text },
          { name: 'extra', type: t.json },
          time('reported'),
        ],
        indices: [
          { name: 'worker_pool_errors_pool', columnNames: ['worker_pool_id', 'reported'] },
          { name: 'worker_pool_errors_reported', columnNames: ['reported'] },
        ],
      }),
      true,
    );
    // A worker counts as active while it runs a task and shortly after it resolved one; the
    // provisioner asks this for the few workers whose last claim is old (see inactivity.ts).
    await queryRunner.createIndex('task_runs', new TableIndex({ name: 'task_runs_worker', columnNames: ['worker_group', 'worker_id', 'resolved'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('task_runs', 'task_runs_worker');
    for (const table of ['worker_pool_errors', 'workers', 'worker_pools']) await queryRunner.dropTable(table, true);
  }
}
