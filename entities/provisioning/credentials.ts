// Worker credentials: temporary credentials issued at registration, bounded by the worker's pool
// (the issuer is the worker manager, not a client), valid until lifecycle.reregistrationTimeout.
import { WORKER_MANAGER_ISSUER } from '../auth/authenticate';
import { issueTemporaryCredentials, TemporaryCredentials } from '../auth/temporary-credentials';
import { workerScopes } from './rules';

export function workerCredentials(
  key: Buffer,
  props: { workerPoolId: string; workerGroup: string; workerId: string; start: Date; expiry: Date },
): TemporaryCredentials {
  const { workerPoolId, workerGroup, workerId } = props;
  return issueTemporaryCredentials(key, {
    clientId: `worker/${workerPoolId}/${workerGroup}/${workerId}`,
    issuer: WORKER_MANAGER_ISSUER,
    scopes: workerScopes({ workerPoolId, workerGroup, workerId }),
    start: props.start,
    expiry: props.expiry,
  });
}
