// GET /index/<indexPath>/artifacts/<name>: the latest artifact of the task at an index path, so
// "the latest build of branch X" is one URL. Reading the index needs no scope (as Taskcluster);
// the artifact still needs `queue:get-artifact:<name>`. The artifact is served here rather than
// redirected to, so the caller's credentials apply without a second request.
import express from 'express';
import { ResourceNotFound } from '../../entities/errors';
import type { Core } from '../../entities/core';
import { findIndexedTask } from '../../entities/index/queries';
import { openArtifact } from '../../entities/queue/artifacts/download';
import { commandContext, sendError, serveDownload } from '../queue/artifact-http';

export function indexRoutes(core: Core): express.Router {
  const router = express.Router();
  router.use('/index', async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    try {
      const { indexPath, name } = parseIndexPath(req.path);
      const ctx = await commandContext(core, req);
      const entry = await findIndexedTask(ctx, { indexPath });
      if (!entry) throw new ResourceNotFound(`nothing is indexed at ${indexPath}`, { indexPath });
      await serveDownload(core, req, res, await openArtifact(ctx, { taskId: entry.taskId, runId: 'latest', name }));
    } catch (error) {
      sendError(core, req, res, error);
    }
  });
  return router;
}

/** `/<indexPath>/artifacts/<name…>`; index paths hold dots, never slashes. */
function parseIndexPath(path: string): { indexPath: string; name: string } {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw new ResourceNotFound('the path is not validly percent-encoded');
  }
  const [indexPath, artifacts, ...rest] = segments;
  if (!indexPath || artifacts !== 'artifacts' || !rest.length) {
    throw new ResourceNotFound('index paths are /index/<indexPath>/artifacts/<name>');
  }
  return { indexPath, name: rest.join('/') };
}
