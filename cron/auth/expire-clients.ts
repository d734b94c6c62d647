// Deletes clients that expired and asked to be deleted then (deleteOnExpiration), as
// Taskcluster's expireClients does. Scans the database, so a cron that was down catches up.
import { LessThan } from 'typeorm';
import { Client } from '../../entities/auth/Client';
import type { Core } from '../../entities/core';
import { inTransaction } from '../../entities/db/transaction';

export async function expireClients(core: Core): Promise<number> {
  const now = core.clock.now();
  const result = await inTransaction(core.db, (tx) =>
    tx.getRepository(Client).delete({ deleteOnExpiration: true, expires: LessThan(now) }),
  );
  return result.affected ?? 0;
}
