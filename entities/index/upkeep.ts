// Deleting expired index entries and namespaces, run by cron.
import { LessThan } from 'typeorm';
import type { Core } from '../core';
import { inTransaction } from '../db/transaction';
import { IndexedTask } from './IndexedTask';
import { Namespace } from './Namespace';

export async function deleteExpiredIndex(core: Core): Promise<number> {
  const now = core.clock.now();
  return inTransaction(core.db, async (tx) => {
    const tasks = await tx.getRepository(IndexedTask).delete({ expires: LessThan(now) });
    const namespaces = await tx.getRepository(Namespace).delete({ expires: LessThan(now) });
    return (tasks.affected ?? 0) + (namespaces.affected ?? 0);
  });
}
