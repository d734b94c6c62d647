// Listing artifacts. As in Taskcluster, which artifacts a run has is public; reading one (its
// bytes, its reference URL, its error message) needs `queue:get-artifact:<name>`.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { timeParam } from '../../db/columns';
import { ResourceNotFound } from '../../errors';
import { Page, PageArgs, paginate } from '../../pagination';
import { Artifact } from '../Artifact';
import { Task } from '../Task';
import { checkArtifactName, getArtifactScope } from './rules';
import { artifactView, ArtifactView } from './view';

/** A run's artifacts in name order; expired ones are left out (the upkeep job deletes them). */
export async function listArtifacts(ctx: CommandContext, props: PageArgs & { taskId: string; runId: number }): Promise<Page<ArtifactView>> {
  const { db } = ctx.core;
  const query = db
    .getRepository(Artifact)
    .createQueryBuilder('a')
    .where('a.task_id = :taskId AND a.run_id = :runId AND a.expires > :now', {
      taskId: props.taskId,
      runId: props.runId,
      now: timeParam(db, ctx.core.clock.now()),
    });
  const page = await paginate(query, 'a.name', (a) => a.name, props);
  return { ...page, nodes: page.nodes.map(artifactView) };
}

/** The artifacts of the task's latest run (none before its first run). */
export async function listLatestArtifacts(ctx: CommandContext, props: PageArgs & { taskId: string }): Promise<Page<ArtifactView>> {
  const task = await ctx.core.db.getRepository(Task).findOne({ select: { taskId: true, runCount: true }, where: { taskId: props.taskId } });
  if (!task) throw new ResourceNotFound(`task ${props.taskId} does not exist`, { taskId: props.taskId });
  return listArtifacts(ctx, { ...props, runId: Math.max(task.runCount - 1, 0) });
}

/** One artifact's description, or null. */
export async function getArtifact(ctx: CommandContext, props: { taskId: string; runId: number; name: string }): Promise<ArtifactView | null> {
  checkArtifactName(props.name);
  const row = await ctx.core.db.getRepository(Artifact).findOneBy({ taskId: props.taskId, runId: props.runId, name: props.name });
  if (!row || row.expires.getTime() <= ctx.core.clock.now().getTime()) return null;
  return artifactView(row);
}

/** Refuses unless the caller may read artifact `name` (for its URL, link target or error). */
export function requireArtifactRead(ctx: CommandContext, name: string): Promise<void> {
  return requireScopes(ctx, getArtifactScope(name), 'reading an artifact');
}
