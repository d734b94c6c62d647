// Deleting the logs of expired tasks, run by cron beside the task and artifact upkeep.
import { LessThan } from 'typeorm';
import type { Core } from '../../core';
import { TaskLogChunk } from './TaskLogChunk';

const BATCH = 500;

export async function deleteExpiredLogs(core: Core): Promise<number> {
  let total = 0;
  for (;;) {
    const now = core.clock.now();
    const rows = await core.db.getRepository(TaskLogChunk).find({
      select: { taskId: true, runId: true, firstLine: true },
      where: { expires: LessThan(now) },
      take: BATCH,
    });
    if (!rows.length) return total;
    // One statement per chunk keeps each delete on the primary key, on both databases.
    for (const row of rows) {
      await core.db.getRepository(TaskLogChunk).delete({ taskId: row.taskId, runId: row.runId, firstLine: row.firstLine, expires: LessThan(now) });
    }
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}
