// Column kinds that behave the same on SQLite and MySQL/MariaDB. Entities use these; the
// migrations choose the physical type per driver (see `physical`).
import { Column, ColumnOptions, DataSource } from 'typeorm';

/** A UTC time with milliseconds: DATETIME(3) on MySQL, 'YYYY-MM-DD HH:MM:SS.mmm' text on SQLite. */
export function TimeColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, ...options });
}

/** JSON stored as text by TypeORM on both drivers (MySQL's JSON column accepts the same text). */
export function JsonColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'simple-json', ...options });
}

/**
 * A time as a query parameter. Query-builder parameters bypass column conversion, and SQLite
 * compares times as text, so they must be rendered exactly as TimeColumn stores them.
 */
export function timeParam(dataSource: DataSource, date: Date): Date | string {
  if (dataSource.options.type === 'mysql') return date;
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Physical column types for migrations, per driver. */
export function physical(dataSource: DataSource) {
  const mysql = dataSource.options.type === 'mysql';
  return {
    json: mysql ? 'json' : 'text',
    time: 'datetime',
    timePrecision: mysql ? 3 : undefined,
    text: mysql ? 'mediumtext' : 'text',
    bool: 'boolean',
    /** Ids compare byte by byte, as in JavaScript: case-sensitive, ordered like the API's cursors. */
    idCollation: mysql ? 'utf8mb4_bin' : undefined,
  } as const;
}
