// The core's shared services, opened once per process and handed to every command.
import type { DataSource } from 'typeorm';
import { ClientCache } from './auth/client-cache';
import { RoleCache } from './auth/role-cache';
import { loadOrCreateCredentialsKey } from './auth/credentials-key';
import type { Clock } from './clock';
import { systemClock } from './clock';
import type { Config } from './config';
import { openDatabase } from './db/datasource';
import { createEventBus, EventBus } from './events';
import { createLogger, Logger } from './log';

export interface Core {
  readonly config: Config;
  readonly db: DataSource;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly roles: RoleCache;
  /** Client rows for authentication, kept a few seconds. */
  readonly clients: ClientCache;
  readonly log: Logger;
  /** Signs temporary credentials; every replica must share it. */
  readonly credentialsKey: Buffer;
  close(): Promise<void>;
}

export interface OpenCoreOptions {
  clock?: Clock;
  log?: Logger;
  name?: string;
}

export async function openCore(config: Config, options: OpenCoreOptions = {}): Promise<Core> {
  const log = options.log ?? createLogger(config.logLevel, options.name ?? 'taskgate');
  const db = await openDatabase(config.database);
  const events = createEventBus(config.pubsubUrl);
  const roles = new RoleCache(db, events);
  await roles.start();
  const clients = new ClientCache(db, events, config.authCacheMs);
  await clients.start();
  const credentialsKey = loadOrCreateCredentialsKey(config);
  return {
    config,
    db,
    events,
    clock: options.clock ?? systemClock,
    roles,
    clients,
    log,
    credentialsKey,
    async close() {
      await clients.stop();
      await roles.stop();
      await events.close();
      await db.destroy();
    },
  };
}
