// Hand-written statements for hot paths, with TypeORM's own column conversions. On the queue's
// per-task statements (lock a task, resolve a run) the query builder and its result transformer
// cost more gateway CPU than the database spends answering: bench/queue-throughput profiled
// TypeORM at ~15 % of the gateway's CPU before these paths used raw statements.
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

interface Shape {
  /** `alias`.`column` AS `alias_column`, … */
  select: string;
  columns: ColumnMetadata[];
  /** Each column's key in a selected row, `alias_column`, made once rather than per row. */
  keys: string[];
  create: () => ObjectLiteral;
}

const shapes = new WeakMap<object, Map<string, Shape>>();

function shape(tx: EntityManager, entity: EntityTarget<ObjectLiteral>, alias: string): Shape {
  const metadata = tx.connection.getMetadata(entity);
  let byAlias = shapes.get(metadata);
  if (!byAlias) shapes.set(metadata, (byAlias = new Map()));
  let found = byAlias.get(alias);
  if (!found) {
    const columns = metadata.columns;
    found = {
      select: columns.map((c) => `\`${alias}\`.\`${c.databaseName}\` AS \`${alias}_${c.databaseName}\``).join(', '),
      columns,
      keys: columns.map((c) => `${alias}_${c.databaseName}`),
      create: () => metadata.create() as ObjectLiteral,
    };
    byAlias.set(alias, found);
  }
  return found;
}

/** Every column of `entity` under `alias`, for a SELECT whose rows go to `hydrate`. */
export function selectColumns(tx: EntityManager, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  return shape(tx, entity, alias).select;
}

/** The entity in `row` (selected with `selectColumns`), or null when its primary key is NULL (a LEFT JOIN's missing side). */
export function hydrate<T extends ObjectLiteral>(tx: EntityManager, entity: EntityTarget<T>, alias: string, row: Record<string, unknown>): T | null {
  const { columns, keys, create } = shape(tx, entity as EntityTarget<ObjectLiteral>, alias);
  const driver = tx.connection.driver;
  const object = create();
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const value = row[keys[i]];
    if (column.isPrimary && (value === null || value === undefined)) return null;
    object[column.propertyName] = driver.prepareHydratedValue(value, column);
  }
  return object as T;
}

/** A value as the column stores it (times as SQLite's text, JSON as text, booleans as 0/1 there). */
export function columnValue(tx: EntityManager, entity: EntityTarget<ObjectLiteral>, propertyName: string, value: unknown): unknown {
  const column = tx.connection.getMetadata(entity).findColumnWithPropertyName(propertyName);
  if (!column) throw new Error(`no column ${propertyName}`);
  return tx.connection.driver.preparePersistentValue(value, column);
}

/** `?, ?, …`: the placeholders of an IN list or a row of `n` values. */
export function placeholders(n: number): string {
  return Array(n).fill('?').join(', ');
}

/** Runs a write and answers how many rows it changed, on both drivers. */
export async function execute(tx: EntityManager, sql: string, params: unknown[]): Promise<number> {
  if (!tx.queryRunner) throw new Error('execute() runs inside a transaction');
  const result = (await tx.queryRunner.query(sql, params, true)) as { affected?: number };
  return result.affected ?? 0;
}

/**
 * One multi-row INSERT of whole entity rows, values converted as TypeORM would, in the text its
 * insert() renders. Its query builder spent ~150 µs per row building a 500-row INSERT of tasks.
 */
export async function insertRows<T extends ObjectLiteral>(tx: EntityManager, entity: EntityTarget<T>, rows: T[]): Promise<void> {
  if (!rows.length) return;
  const metadata = tx.connection.getMetadata(entity);
  const { columns } = shape(tx, entity as EntityTarget<ObjectLiteral>, metadata.tableName);
  const driver = tx.connection.driver;
  const row = `(${placeholders(columns.length)})`;
  const params: unknown[] = [];
  for (const object of rows) for (const column of columns) params.push(driver.preparePersistentValue(object[column.propertyName] ?? null, column));
  await tx.query(`INSERT INTO \`${metadata.tableName}\`(${columns.map((c) => `\`${c.databaseName}\``).join(', ')}) VALUES ${Array(rows.length).fill(row).join(', ')}`, params);
}
