// Deleting expired artifacts, run by cron: the bytes first, then the rows, so bytes whose
// deletion failed (storage down) keep their row and are tried again on the next run.
import { In, LessThan } from 'typeorm';
import type { Core } from '../../core';
import { inTransaction } from '../../db/transaction';
import { Artifact } from '../Artifact';
import { artifactStorage } from './storage';

const BATCH = 200;
const PARALLEL_DELETES = 8;

export async function deleteExpiredArtifacts(core: Core): Promise<number> {
  const storage = artifactStorage(core.config);
  let total = 0;
  for (;;) {
    const now = core.clock.now();
    const rows = await core.db.getRepository(Artifact).find({
      select: { taskId: true, runId: true, name: true, storageType: true },
      where: { expires: LessThan(now) },
      order: { expires: 'ASC' },
      take: BATCH,
    });
    if (!rows.length) return total;
    const deleted: Artifact[] = [];
    for (let i = 0; i < rows.length; i += PARALLEL_DELETES) {
      const slice = rows.slice(i, i + PARALLEL_DELETES);
      const results = await Promise.allSettled(slice.map((row) => (row.storageType === 'file' ? storage.delete(row) : Promise.resolve())));
      results.forEach((result, j) => {
        if (result.status === 'fulfilled') deleted.push(slice[j]);
        else core.log.warn({ err: result.reason, taskId: slice[j].taskId, runId: slice[j].runId, artifact: slice[j].name }, 'could not delete artifact bytes');
      });
    }
    await inTransaction(core.db, async (tx) => {
      const byRun = new Map<string, Artifact[]>();
      for (const row of deleted) byRun.set(`${row.taskId}/${row.runId}`, [...(byRun.get(`${row.taskId}/${row.runId}`) ?? []), row]);
      for (const group of byRun.values()) {
        const { taskId, runId } = group[0];
        await tx.getRepository(Artifact).delete({ taskId, runId, name: In(group.map((r) => r.name)), expires: LessThan(now) });
      }
    });
    total += deleted.length;
    if (rows.length < BATCH || deleted.length === 0) return total;
  }
}
