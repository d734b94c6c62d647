// Reading and writing log chunks. Both reads are seeks on the primary key
// (task_id, run_id, first_line): the chunk holding a line is the last one starting at or before
// it, so no query scans a run's whole log.
import type { EntityManager } from 'typeorm';
import { LessThanOrEqual, MoreThan } from 'typeorm';
import { TaskLogChunk } from './TaskLogChunk';
import { LogLinesView, PAGE_CHARS, PAGE_LINES } from './rules';

interface RunRef {
  taskId: string;
  runId: number;
}

/** How many lines the run's log has (the number the next line gets). */
export async function lineCount(manager: EntityManager, ref: RunRef): Promise<number> {
  const last = await manager.getRepository(TaskLogChunk).findOne({
    select: { firstLine: true, lineCount: true },
    where: { taskId: ref.taskId, runId: ref.runId },
    order: { firstLine: 'DESC' },
  });
  return last ? last.firstLine + last.lineCount : 0;
}

export async function insertChunk(manager: EntityManager, ref: RunRef & { firstLine: number; lines: string[]; expires: Date }): Promise<void> {
  await manager.getRepository(TaskLogChunk).insert({
    taskId: ref.taskId,
    runId: ref.runId,
    firstLine: ref.firstLine,
    lineCount: ref.lines.length,
    text: ref.lines.join('\n'),
    expires: ref.expires,
  });
}

/**
 * Up to a page of lines from `fromLine` on (fewer at the end of what is stored; none past it).
 * A page ends at a chunk boundary once it has PAGE_LINES lines or PAGE_CHARS characters.
 */
export async function readLines(manager: EntityManager, ref: RunRef & { fromLine: number }): Promise<LogLinesView> {
  const repo = manager.getRepository(TaskLogChunk);
  const page: LogLinesView = { fromLine: ref.fromLine, lines: [] };
  let chars = 0;
  const take = (chunk: TaskLogChunk) => {
    const lines = chunk.lineCount === 0 ? [] : chunk.text.split('\n');
    for (const line of lines.slice(Math.max(0, ref.fromLine + page.lines.length - chunk.firstLine))) {
      page.lines.push(line);
      chars += line.length;
    }
  };
  const first = await repo.findOne({ where: { taskId: ref.taskId, runId: ref.runId, firstLine: LessThanOrEqual(ref.fromLine) }, order: { firstLine: 'DESC' } });
  if (first && first.firstLine + first.lineCount > ref.fromLine) take(first);
  while (page.lines.length < PAGE_LINES && chars < PAGE_CHARS) {
    const next = ref.fromLine + page.lines.length;
    const more = await repo.find({ where: { taskId: ref.taskId, runId: ref.runId, firstLine: MoreThan(next - 1) }, order: { firstLine: 'ASC' }, take: 8 });
    if (!more.length) break;
    for (const chunk of more) {
      // Chunks are contiguous; anything else would be a hole, and a page never skips one.
      if (chunk.firstLine !== ref.fromLine + page.lines.length) return page;
      take(chunk);
      if (page.lines.length >= PAGE_LINES || chars >= PAGE_CHARS) break;
    }
    if (more.length < 8) break;
  }
  return page;
}
