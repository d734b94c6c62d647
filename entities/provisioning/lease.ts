// Which cron process provisions a pool: a lease in the pool's row, taken and renewed by a
// conditional update. The database decides — two cron processes racing for a pool both run the
// UPDATE; it matches for one of them only (row lock on MySQL, the single writer on SQLite).
import type { Core } from '../core';
import { timeParam } from '../db/columns';
import { inTransaction } from '../db/transaction';
import { WorkerPool } from './WorkerPool';

/** Takes or renews the lease of a pool for `owner` until `until`; true when `owner` holds it now. */
export async function acquireLease(core: Core, props: { workerPoolId: string; owner: string; until: Date }): Promise<boolean> {
  const now = timeParam(core.db, core.clock.now());
  return inTransaction(core.db, async (tx) => {
    const result = await tx
      .getRepository(WorkerPool)
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: props.owner, leaseUntil: props.until })
      .where('worker_pool_id = :id AND (lease_owner = :owner OR lease_owner IS NULL OR lease_until IS NULL OR lease_until < :now)', {
        id: props.workerPoolId,
        owner: props.owner,
        now,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  });
}

/** Gives up every lease `owner` holds, so another cron process can take over at once. */
export async function releaseLeases(core: Core, owner: string): Promise<void> {
  await inTransaction(core.db, (tx) =>
    tx.getRepository(WorkerPool).createQueryBuilder().update().set({ leaseOwner: null, leaseUntil: null }).where('lease_owner = :owner', { owner }).execute(),
  );
}
