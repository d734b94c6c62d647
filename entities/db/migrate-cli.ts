// `npm run db:migrate`: applies pending migrations to DATABASE_URL and exits.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { DomainError } from '../errors';
import { describeDatabase, openDatabase } from './datasource';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  console.log(`migrations applied to ${describeDatabase(config.database)}`);
  await db.destroy();
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof DomainError ? error.message : error);
  process.exit(1);
});
