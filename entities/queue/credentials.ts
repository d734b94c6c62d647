// Task credentials: temporary credentials scoped to one run — reclaim, resolve and create
// artifacts for that run, plus the task's own scopes — valid a little past the claim.
import { QUEUE_ISSUER } from '../auth/authenticate';
import { issueTemporaryCredentials, TemporaryCredentials } from '../auth/temporary-credentials';
import { scopesFor } from './rules';

const GRACE_MS = 15 * 60 * 1000;

export function taskCredentials(
  key: Buffer,
  props: { taskId: string; runId: number; workerGroup: string; workerId: string; scopes: string[]; takenUntil: Date; now: Date },
): TemporaryCredentials {
  const { taskId, runId } = props;
  return issueTemporaryCredentials(key, {
    clientId: `task-client/${taskId}/${runId}/on/${props.workerGroup}/${props.workerId}`,
    issuer: QUEUE_ISSUER,
    scopes: [scopesFor.reclaimTask(taskId, runId), scopesFor.resolveTask(taskId, runId), scopesFor.createArtifact(taskId, runId), ...props.scopes],
    start: props.now,
    expiry: new Date(props.takenUntil.getTime() + GRACE_MS),
  });
}
