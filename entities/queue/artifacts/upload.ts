// uploadArtifact: the bytes of a `file` artifact, streamed from the request into the storage
// with a running byte count, so a body larger than MAX_ARTIFACT_BYTES is cut off as soon as it
// passes the limit and nothing of it is kept. Memory use is a few stream buffers, whatever the size.
import { Readable, Transform } from 'node:stream';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { inTransaction } from '../../db/transaction';
import { InputError, RequestConflict, ResourceNotFound } from '../../errors';
import { Artifact } from '../Artifact';
import { scopesFor } from '../rules';
import { TaskRun } from '../TaskRun';
import { checkArtifactName } from './rules';
import { artifactStorage } from './storage';
import { artifactView, ArtifactView, publishArtifactCreated } from './view';

/** The body is larger than MAX_ARTIFACT_BYTES (HTTP 413). */
export class ArtifactTooLarge extends InputError {
  constructor(readonly limit: number) {
    super(`the artifact is larger than the limit of ${limit} bytes (MAX_ARTIFACT_BYTES)`, { reason: 'too-large', limit });
  }
}

export interface UploadProps {
  taskId: string;
  runId: number;
  name: string;
  body: Readable;
  /** The request's Content-Length, when it has one. */
  length: number | undefined;
}

export async function uploadArtifact(ctx: CommandContext, props: UploadProps): Promise<ArtifactView> {
  const { taskId, runId, name } = props;
  await requireScopes(ctx, scopesFor.createArtifact(taskId, runId), 'uploadArtifact');
  checkArtifactName(name);
  const { core } = ctx;
  const limit = core.config.maxArtifactBytes;

  const row = await core.db.getRepository(Artifact).findOneBy({ taskId, runId, name });
  if (!row) throw new ResourceNotFound(`run ${runId} of task ${taskId} has no artifact ${name}: create it first (createArtifact)`, { taskId, runId, name });
  if (row.storageType !== 'file') throw new RequestConflict(`artifact ${name} is a ${row.storageType} artifact; only file artifacts take bytes`);
  // Stored bytes are immutable: whoever read them must be able to read the same again.
  if (row.present) throw new RequestConflict(`artifact ${name} of run ${runId} of task ${taskId} is already uploaded`, { taskId, runId, name });
  const run = await core.db.getRepository(TaskRun).findOneBy({ taskId, runId });
  if (run?.state !== 'running') {
    throw new RequestConflict(`run ${runId} of task ${taskId} is ${run?.state ?? 'missing'}, not running: artifacts are uploaded while the run runs`, {
      taskId,
      runId,
    });
  }
  if (props.length !== undefined && props.length > limit) throw new ArtifactTooLarge(limit);

  const counter = byteLimit(limit);
  const feeding = feed(props.body, counter.stream);
  const storing = artifactStorage(core.config).put({ taskId, runId, name }, counter.stream, props.length, row.contentType ?? 'application/octet-stream');
  const [fed, stored] = await Promise.allSettled([feeding, storing]);
  // The body's own failure explains best (too large, client gone); the storage failing makes
  // the feed fail too, so its error comes second.
  if (fed.status === 'rejected' && fed.reason instanceof ArtifactTooLarge) throw fed.reason;
  if (stored.status === 'rejected') throw stored.reason;
  if (fed.status === 'rejected') throw fed.reason;

  const size = counter.total();
  const marked = await inTransaction(core.db, (tx) =>
    tx.getRepository(Artifact).update({ taskId, runId, name, present: false }, { present: true, contentLength: size }),
  );
  const view = artifactView({ ...row, present: true, contentLength: size });
  // Two uploads racing: the first to finish announces it; the bytes of either are whole.
  if (marked.affected) await publishArtifactCreated(core, view);
  core.log.info({ taskId, runId, artifact: name, bytes: size }, 'artifact uploaded');
  return view;
}

/**
 * Pipes `body` into `into` and settles when all of it went through. Unlike stream.pipeline, an
 * error of `into` (too large) leaves `body` alone: destroying an HTTP request destroys its socket,
 * and the client would get a reset instead of the 413 that explains it.
 */
function feed(body: Readable, into: Transform): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      into.destroy(error);
      reject(error);
    };
    body.once('error', fail);
    body.once('close', () => {
      if (!body.readableEnded) fail(new Error('the client went away before the upload ended'));
    });
    into.once('error', (error) => {
      body.unpipe(into);
      reject(error);
    });
    into.once('finish', () => resolve());
    body.pipe(into);
  });
}

/** Passes bytes through, counting, and fails with ArtifactTooLarge once more than `limit` pass. */
function byteLimit(limit: number): { stream: Transform; total: () => number } {
  let total = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > limit) return done(new ArtifactTooLarge(limit));
      done(null, chunk);
    },
  });
  return { stream, total: () => total };
}
