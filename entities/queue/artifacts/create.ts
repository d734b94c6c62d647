// createArtifact: a worker declares an artifact of the run it holds. `file` artifacts get their
// bytes afterwards (uploadArtifact); the other types are complete at once. Idempotent: the same
// artifact again answers with the existing one; a different one under the same name conflicts.
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { InputError, RequestConflict } from '../../errors';
import { Artifact } from '../Artifact';
import { scopesFor } from '../rules';
import { TaskRun } from '../TaskRun';
import { lockTask } from '../transitions';
import { ArtifactInput, artifactSpec, checkArtifactName, sameArtifact } from './rules';
import { artifactPath, artifactView, ArtifactView, publishArtifactCreated } from './view';

export interface CreatedArtifact {
  artifact: ArtifactView;
  /** file artifacts whose bytes are not up yet: where to PUT them on the gateway. */
  uploadPath: string | null;
}

export async function createArtifact(
  ctx: CommandContext,
  props: ArtifactInput & { taskId: string; runId: number; name: string },
): Promise<CreatedArtifact> {
  const { taskId, runId, name } = props;
  await requireScopes(ctx, scopesFor.createArtifact(taskId, runId), 'createArtifact');
  checkArtifactName(name);
  const spec = artifactSpec(props);
  if (spec.details.artifact === name) throw new InputError(`artifact ${name} cannot link to itself`, { field: 'artifact' });
  const { core } = ctx;
  const now = core.clock.now();

  const { row, created } = await inTransaction(core.db, async (tx) => {
    // The task lock orders this against the run's resolution: an artifact is only ever added
    // to a run that is running when the transaction commits.
    const task = await lockTask(tx, taskId);
    const run = await tx.getRepository(TaskRun).findOneBy({ taskId, runId });
    if (!run) throw new RequestConflict(`task ${taskId} has no run ${runId}`, { taskId, runId });
    const expires = props.expires ?? task.expires;
    if (expires.getTime() > task.expires.getTime()) {
      throw new InputError(`expires must not be after the task's expiry (${task.expires.toISOString()})`, { field: 'expires' });
    }
    const repo = tx.getRepository(Artifact);
    const existing = await repo.findOneBy({ taskId, runId, name });
    if (existing) {
      if (!sameArtifact(existing, { ...spec, expires })) {
        throw new RequestConflict(`run ${runId} of task ${taskId} already has a different artifact named ${name}`, { taskId, runId, name });
      }
      return { row: existing, created: false };
    }
    if (run.state !== 'running') {
      throw new RequestConflict(`run ${runId} of task ${taskId} is ${run.state}, not running: artifacts are created while the run runs`, {
        taskId,
        runId,
        state: run.state,
      });
    }
    const row = repo.create({
      taskId,
      runId,
      name,
      storageType: spec.storageType,
      contentType: spec.contentType,
      contentLength: null,
      expires,
      details: spec.details,
      present: spec.storageType !== 'file',
      created: now,
    });
    await repo.insert(row);
    return { row, created: true };
  });

  const artifact = artifactView(row);
  if (created && artifact.present) await publishArtifactCreated(core, artifact);
  return { artifact, uploadPath: artifact.storageType === 'file' && !artifact.present ? artifactPath(taskId, runId, name) : null };
}
