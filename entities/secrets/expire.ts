// Deleting expired secrets. They already read as not found; this removes the ciphertext too. A
// scan of the database in batches, so a cron that was down catches up, and several crons split
// the work (SKIP LOCKED) instead of queueing behind each other.
import type { Caller } from '../auth/caller';
import { recordAudit } from '../audit/record';
import type { Core } from '../core';
import { timeParam } from '../db/columns';
import { inTransaction } from '../db/transaction';
import { In } from 'typeorm';
import { Secret } from './Secret';

const BATCH = 500;
/** The platform itself: audit entries it writes carry no clientId. */
const PLATFORM: Caller = { clientId: undefined, scopes: [], temporary: false };

export async function deleteExpiredSecrets(core: Core): Promise<number> {
  const now = timeParam(core.db, core.clock.now());
  const mysql = core.db.options.type === 'mysql';
  let total = 0;
  for (;;) {
    const deleted = await inTransaction(core.db, async (tx) => {
      const rows: { name: string }[] = await tx.query(
        `SELECT name FROM secrets WHERE expires <= ? ORDER BY expires LIMIT ${BATCH}${mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
        [now],
      );
      if (!rows.length) return 0;
      const names = rows.map((row) => row.name);
      await tx.getRepository(Secret).delete({ name: In(names) });
      for (const name of names) await recordAudit(tx, { core, caller: PLATFORM }, { entityType: 'secret', entityId: name, action: 'expired' });
      return names.length;
    });
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
