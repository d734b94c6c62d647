// The live log over HTTP before the run's `public/logs/live.log` artifact exists: the lines
// stored so far as text, read page by page. With the artifact answering after the run, one name
// serves the log during and after it.
import { Readable } from 'node:stream';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { isResolved } from '../rules';
import { Artifact } from '../Artifact';
import { getArtifactScope } from '../artifacts/rules';
import { Task } from '../Task';
import { TaskRun } from '../TaskRun';
import { LIVE_LOG_NAME } from './rules';
import { readLines } from './store';

/**
 * The stored lines of a run's log as text, or null when the artifact should answer instead: it
 * is uploaded, or the run is over with no line stored and the worker made the artifact, or there
 * is no such run (the artifact download then says what is missing). A run that ended before
 * printing anything and left no artifact (its worker died) has an empty log, as taskLog says.
 */
export async function openStoredLog(ctx: CommandContext, props: { taskId: string; runId: number | 'latest' }): Promise<Readable | null> {
  await requireScopes(ctx, getArtifactScope(LIVE_LOG_NAME), 'getArtifact');
  const { db } = ctx.core;
  let runId = props.runId;
  if (runId === 'latest') {
    const task = await db.getRepository(Task).findOne({ select: { taskId: true, runCount: true }, where: { taskId: props.taskId } });
    if (!task?.runCount) return null;
    runId = task.runCount - 1;
  }
  const ref = { taskId: props.taskId, runId };
  const artifact = await db.getRepository(Artifact).findOne({ select: { present: true }, where: { ...ref, name: LIVE_LOG_NAME } });
  if (artifact?.present) return null;
  const run = await db.getRepository(TaskRun).findOne({ select: { state: true }, where: ref });
  if (!run) return null;
  const first = await readLines(db.manager, { ...ref, fromLine: 0 });
  if (!first.lines.length && isResolved(run.state) && artifact) return null;
  async function* pages() {
    let page = first;
    while (page.lines.length) {
      yield `${page.lines.join('\n')}\n`;
      page = await readLines(db.manager, { ...ref, fromLine: page.fromLine + page.lines.length });
    }
  }
  return Readable.from(pages());
}
