// The webhook: POST /hooks/<hookGroupId>/<hookId>/trigger/<token> with a JSON payload fires the
// hook as `triggerHookWithToken` — no credentials, the token is the secret. hookId may contain
// `/` (sent as is or as %2F). An unknown hook and a wrong token get the same 401, so the answer
// does not reveal whether the hook exists. Answers {status} (the task's status; null when the
// template rendered to null) or an error as the artifact routes do ({code, message, requestId}).
import express from 'express';
import type { Core } from '../../entities/core';
import { AuthenticationFailed, InputError } from '../../entities/errors';
import { triggerHookWithToken } from '../../entities/hooks/commands/trigger';
import { sendError } from '../queue/artifact-http';

export function hookRoutes(core: Core): express.Router {
  const router = express.Router();
  router.post('/hooks/*path', express.json({ limit: core.config.limits.maxBodyBytes, strict: false }), async (req, res) => {
    try {
      const { hookGroupId, hookId, token } = parseTriggerPath(req.path);
      // No body (or not JSON) is the empty payload, as Taskcluster takes it.
      const status = await triggerHookWithToken(core, { hookGroupId, hookId, token, payload: req.body ?? {} });
      res.status(200).json({ status });
    } catch (error) {
      sendError(core, req, res, error);
    }
  });
  // A body that is not JSON, or too large: the same error shape as everything else here.
  router.use('/hooks', (error: { type?: string; message?: string }, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!error) return next();
    const tooLarge = error.type === 'entity.too.large';
    sendError(core, req, res, new InputError(tooLarge ? 'the payload is larger than the limit' : `the payload is not valid JSON: ${error.message ?? ''}`));
  });
  return router;
}

function parseTriggerPath(path: string): { hookGroupId: string; hookId: string; token: string } {
  const refuse = () => new AuthenticationFailed('no hook has this hookGroupId, hookId and token (tokens change when reset with resetTriggerToken)');
  let segments: string[];
  try {
    segments = path.split('/').slice(2).map(decodeURIComponent);
  } catch {
    throw refuse();
  }
  const token = segments.pop();
  const trigger = segments.pop();
  const [hookGroupId, ...rest] = segments;
  if (!token || trigger !== 'trigger' || !hookGroupId || !rest.length) throw refuse();
  return { hookGroupId, hookId: rest.join('/'), token };
}
