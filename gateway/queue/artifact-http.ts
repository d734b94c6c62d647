// Artifact bytes over HTTP, beside GraphQL on the gateway's port:
//   PUT  /artifacts/<taskId>/<runId>/<name>     upload a `file` artifact's bytes (task credentials)
//   GET  /artifacts/<taskId>/<runId>/<name>     download (needs queue:get-artifact:<name>)
//   GET  /artifacts/<taskId>/latest/<name>      the same, from the task's latest run
// Names may contain `/`. Bodies stream both ways; nothing holds a whole artifact in memory.
// Errors answer JSON {code, message, details?, requestId} with the codes of the GraphQL API.
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { authenticate } from '../../entities/auth/authenticate';
import type { Caller } from '../../entities/auth/caller';
import type { CommandContext } from '../../entities/auth/require-scopes';
import type { Core } from '../../entities/core';
import { isDatabaseUnavailable } from '../../entities/db/unavailable';
import { DomainError, InputError, InsufficientScopes, ResourceNotFound, type ErrorCode } from '../../entities/errors';
import type { Download } from '../../entities/queue/artifacts/download';
import { openArtifact } from '../../entities/queue/artifacts/download';
import { artifactStorage } from '../../entities/queue/artifacts/storage';
import { ArtifactTooLarge, uploadArtifact } from '../../entities/queue/artifacts/upload';
import { parseAuthorization } from '../credentials';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../errors';

/** After refusing an upload, read (and drop) what the client still sends for this long, so it gets the answer, not a reset. */
const DRAIN_MS = 10_000;

const STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_SCOPES: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  EXPIRED: 410,
  TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
};

export function artifactRoutes(core: Core): express.Router {
  artifactStorage(core.config); // an unusable ARTIFACTS_URL fails the start, not the first upload
  const router = express.Router();
  router.use('/artifacts', async (req, res) => {
    try {
      const { taskId, run, name } = parseArtifactPath(req.path);
      if (req.method === 'PUT') {
        if (run === 'latest') throw new InputError('upload to a run number, not latest');
        const ctx = await commandContext(core, req);
        const length = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
        const artifact = await uploadArtifact(ctx, { taskId, runId: run, name, body: req, length });
        res.status(200).json({ taskId, runId: run, name, contentLength: artifact.contentLength, present: true });
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        const ctx = await commandContext(core, req);
        await serveDownload(core, req, res, await openArtifact(ctx, { taskId, runId: run, name }));
      } else {
        res.setHeader('Allow', 'GET, HEAD, PUT');
        res.status(405).json({ code: 'BAD_USER_INPUT', message: `${req.method} is not allowed here; use GET, HEAD or PUT` });
      }
    } catch (error) {
      sendError(core, req, res, error);
    }
  });
  return router;
}

/** `/<taskId>/<runId|latest>/<name…>`, each segment percent-decoded. */
function parseArtifactPath(path: string): { taskId: string; run: number | 'latest'; name: string } {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw new InputError('the path is not validly percent-encoded');
  }
  const [taskId, runText, ...rest] = segments;
  if (!taskId || !runText || !rest.length) {
    throw new ResourceNotFound('artifact paths are /artifacts/<taskId>/<runId or latest>/<name>');
  }
  const run = runText === 'latest' ? 'latest' : /^\d{1,4}$/.test(runText) ? Number(runText) : undefined;
  if (run === undefined) throw new ResourceNotFound(`"${runText}" is neither a run number nor latest`);
  return { taskId, run, name: rest.join('/') };
}

/** The caller from `Authorization: Bearer …` (anonymous without one), as on the GraphQL route. */
export async function commandContext(core: Core, req: express.Request): Promise<CommandContext> {
  const { credentials, authorizedScopes } = parseAuthorization(req.headers.authorization, req.headers['x-authorized-scopes']);
  const caller: Caller = await authenticate(core, { credentials, authorizedScopes });
  return { core, caller };
}

/** Answers with a download: the bytes, a redirect, or an error artifact's reason. */
export async function serveDownload(core: Core, req: express.Request, res: express.Response, download: Download): Promise<void> {
  switch (download.kind) {
    case 'redirect':
      res.redirect(303, download.url);
      return;
    case 'error':
      res.status(424).json({ reason: download.reason, message: download.message });
      return;
    case 'bytes': {
      res.status(200);
      res.setHeader('Content-Type', download.contentType);
      if (Number.isFinite(download.length)) res.setHeader('Content-Length', String(download.length));
      // Artifacts are anyone's content served from the gateway's origin: never sniffed into HTML,
      // and if opened as a page, sandboxed away from the origin.
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', 'sandbox');
      if (req.method === 'HEAD') {
        download.body.destroy();
        res.end();
        return;
      }
      try {
        await pipeline(download.body, res);
      } catch (error) {
        // Headers are gone; all that is left is to cut the response short so the client sees it.
        if (!res.writableFinished) core.log.warn({ err: error, artifact: download.name }, 'artifact download cut short');
        res.destroy();
      }
    }
  }
}

export function sendError(core: Core, req: express.Request, res: express.Response, error: unknown): void {
  const requestId = String(res.getHeader('x-request-id') ?? '');
  let status = 500;
  let body: Record<string, unknown>;
  if (error instanceof DomainError) {
    status = error instanceof ArtifactTooLarge ? 413 : STATUS[error.code];
    body = { code: error.code, message: error.message, ...(Object.keys(error.details).length ? { details: error.details } : {}) };
    // Without credentials the answer to "not allowed" is "say who you are".
    if (error instanceof InsufficientScopes && !req.headers.authorization) {
      status = 401;
      res.setHeader('WWW-Authenticate', 'Bearer');
    }
  } else if (isDatabaseUnavailable(error)) {
    status = 503;
    body = { code: 'INTERNAL_SERVER_ERROR', message: DATABASE_UNAVAILABLE_MESSAGE, details: { retryable: true } };
  } else {
    core.log.error({ err: error, requestId, path: req.originalUrl }, 'internal error');
    body = { code: 'INTERNAL_SERVER_ERROR', message: `Internal error; quote request id ${requestId} when reporting it.` };
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!req.complete) drainAndClose(req, res);
  res.status(status).json({ ...body, requestId });
}

/** The upload was refused before its body was read: drop the rest, then close the connection. */
function drainAndClose(req: express.Request, res: express.Response): void {
  res.setHeader('Connection', 'close');
  req.unpipe();
  req.resume();
  setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
}
