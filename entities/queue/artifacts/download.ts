// Reading an artifact: what a download answers. Each artifact read needs
// `queue:get-artifact:<name>` — also each artifact a link leads to — and the default anonymous
// role holds `queue:get-artifact:public/*`, which is what makes `public/` public.
import type { Readable } from 'node:stream';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { ResourceNotFound } from '../../errors';
import { Artifact } from '../Artifact';
import { Task } from '../Task';
import { checkArtifactName, getArtifactScope, MAX_LINK_DEPTH } from './rules';
import { artifactStorage } from './storage';

export type Download =
  | { kind: 'bytes'; name: string; contentType: string; length: number; body: Readable }
  | { kind: 'redirect'; name: string; url: string }
  | { kind: 'error'; name: string; reason: string; message: string };

export interface DownloadProps {
  taskId: string;
  /** A run's number, or 'latest' for the task's latest run. */
  runId: number | 'latest';
  name: string;
}

export async function openArtifact(ctx: CommandContext, props: DownloadProps): Promise<Download> {
  const { core } = ctx;
  const { taskId } = props;
  checkArtifactName(props.name);
  await requireScopes(ctx, getArtifactScope(props.name), 'getArtifact');
  const runId = props.runId === 'latest' ? await latestRunId(ctx, taskId) : props.runId;

  let name = props.name;
  for (let depth = 0; ; depth++) {
    const now = core.clock.now();
    const row = await core.db.getRepository(Artifact).findOneBy({ taskId, runId, name });
    if (!row || row.expires.getTime() <= now.getTime()) {
      throw new ResourceNotFound(`run ${runId} of task ${taskId} has no artifact ${name}`, { taskId, runId, name });
    }
    switch (row.storageType) {
      case 'reference':
        return { kind: 'redirect', name, url: row.details.url! };
      case 'error':
        return { kind: 'error', name, reason: row.details.reason!, message: row.details.message! };
      case 'file': {
        if (!row.present) throw new ResourceNotFound(`artifact ${name} of run ${runId} of task ${taskId} is not uploaded yet`, { taskId, runId, name });
        const stored = await artifactStorage(core.config).get({ taskId, runId, name });
        if (!stored) throw new ResourceNotFound(`the bytes of artifact ${name} of run ${runId} of task ${taskId} are gone`, { taskId, runId, name });
        return { kind: 'bytes', name, contentType: row.contentType ?? 'application/octet-stream', length: stored.length, body: stored.body };
      }
      case 'link': {
        if (depth + 1 >= MAX_LINK_DEPTH) {
          throw new ResourceNotFound(`artifact ${props.name} leads through more than ${MAX_LINK_DEPTH} links (a loop?)`, { taskId, runId, name: props.name });
        }
        name = row.details.artifact!;
        // A link never widens access: the target needs its own scope.
        await requireScopes(ctx, getArtifactScope(name), 'getArtifact');
        break;
      }
    }
  }
}

async function latestRunId(ctx: CommandContext, taskId: string): Promise<number> {
  const task = await ctx.core.db.getRepository(Task).findOne({ select: { taskId: true, runCount: true }, where: { taskId } });
  if (!task) throw new ResourceNotFound(`task ${taskId} does not exist`, { taskId });
  if (task.runCount === 0) throw new ResourceNotFound(`task ${taskId} has no run yet`, { taskId });
  return task.runCount - 1;
}
