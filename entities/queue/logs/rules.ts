// Pure rules of live logs: the artifact name, line numbering, and what one append may carry.
import { InputError } from '../../errors';

/** The log's name, as an artifact once the run ends and in the scope that reads it meanwhile. */
export const LIVE_LOG_NAME = 'public/logs/live.log';
export const LIVE_LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** One append: at most this many lines … */
export const MAX_APPEND_LINES = 10_000;
/** … and this many characters in all (the GraphQL body limit is 1 MiB by default). */
export const MAX_APPEND_CHARS = 1_000_000;
/** A page of scrollback sent to a subscriber: at most this many lines and characters. */
export const PAGE_LINES = 1000;
export const PAGE_CHARS = 256 * 1024;

export interface LogLinesView {
  /** The number of the first line (lines are numbered from 0). */
  fromLine: number;
  lines: string[];
}

export function checkRunRef(taskId: string, runId: number): void {
  if (typeof taskId !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(taskId)) throw new InputError('taskId must be a slugid', { field: 'taskId' });
  if (!Number.isInteger(runId) || runId < 0 || runId > 1000) throw new InputError('runId must be a run number (0 or more)', { field: 'runId' });
}

export function checkFromLine(fromLine: number): void {
  if (!Number.isInteger(fromLine) || fromLine < 0) throw new InputError('fromLine must be a line number (0 or more)', { field: 'fromLine' });
}

/** Lines never contain a newline: each is one line of the log, and chunks join them with `\n`. */
export function checkAppendedLines(lines: string[]): void {
  if (lines.length > MAX_APPEND_LINES) throw new InputError(`at most ${MAX_APPEND_LINES} lines per append`, { field: 'lines' });
  let chars = 0;
  for (const line of lines) {
    if (line.includes('\n')) throw new InputError('a line may not contain a newline (\\n): send each line as its own string', { field: 'lines' });
    chars += line.length;
  }
  if (chars > MAX_APPEND_CHARS) throw new InputError(`at most ${MAX_APPEND_CHARS} characters per append`, { field: 'lines' });
}

/**
 * What an append at `fromLine` adds to a log of `lineCount` lines. Appends are idempotent by
 * line number: lines the log already has are skipped (a retried append adds nothing twice); a
 * gap is refused, since the log must stay contiguous.
 */
export function linesToAdd(lineCount: number, fromLine: number, lines: string[]): { gap: boolean; added: string[] } {
  if (fromLine > lineCount) return { gap: true, added: [] };
  return { gap: false, added: lines.slice(lineCount - fromLine) };
}

/** The part of a batch a subscriber still needs, given the next line it expects. */
export function unsentPart(next: number, batch: LogLinesView): { gap: boolean; lines: string[] } {
  if (batch.fromLine > next) return { gap: true, lines: [] };
  return { gap: false, lines: batch.lines.slice(next - batch.fromLine) };
}
