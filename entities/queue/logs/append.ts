// appendTaskLog: the worker sends a run's output lines as they come. Idempotent by line number,
// so a retried append never duplicates a line. Each append takes the task's row lock, which
// orders it against the run's resolution: no line is ever added to a resolved run, so once a
// subscriber has seen the resolution, the stored log is complete.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { InputError, RequestConflict } from '../../errors';
import { topics } from '../events';
import { scopesFor } from '../rules';
import { TaskRun } from '../TaskRun';
import { lockTask } from '../transitions';
import { checkAppendedLines, checkFromLine, checkRunRef, linesToAdd, LogLinesView } from './rules';
import { insertChunk, lineCount } from './store';

export interface AppendProps {
  taskId: string;
  runId: number;
  /** The number of the first line sent (lines are numbered from 0). */
  fromLine: number;
  lines: string[];
}

/** Appends lines to a running run's log; answers the log's line count after the append. */
export async function appendTaskLog(ctx: CommandContext, props: AppendProps): Promise<number> {
  const { taskId, runId, fromLine, lines } = props;
  checkRunRef(taskId, runId);
  checkFromLine(fromLine);
  checkAppendedLines(lines);
  // The log becomes the run's artifact: whoever may create the run's artifacts may write it.
  await requireScopes(ctx, scopesFor.createArtifact(taskId, runId), 'appendTaskLog');
  const { core } = ctx;

  const { count, added } = await inTransaction(core.db, async (tx) => {
    const task = await lockTask(tx, taskId);
    const run = await tx.getRepository(TaskRun).findOneBy({ taskId, runId });
    if (!run) throw new RequestConflict(`task ${taskId} has no run ${runId}`, { taskId, runId });
    if (run.state !== 'running') {
      throw new RequestConflict(`run ${runId} of task ${taskId} is ${run.state}${run.reasonResolved ? ` (${run.reasonResolved})` : ''}, not running: its log is closed`, {
        state: run.state,
        reasonResolved: run.reasonResolved,
      });
    }
    const count = await lineCount(tx, { taskId, runId });
    const { gap, added } = linesToAdd(count, fromLine, lines);
    if (gap) throw new InputError(`the log has ${count} lines: append from line ${count}, not ${fromLine}`, { field: 'fromLine', lineCount: count });
    if (added.length) await insertChunk(tx, { taskId, runId, firstLine: count, lines: added, expires: task.expires });
    return { count: count + added.length, added: { fromLine: count, lines: added } as LogLinesView };
  });

  if (added.lines.length) {
    await core.events.publish(topics.log(taskId, runId), added).catch((error) => {
      // Subscribers that miss a batch notice the gap at the next one, or at the end, and read it.
      core.log.warn({ err: error, taskId, runId }, 'could not publish log lines');
    });
  }
  return count;
}
