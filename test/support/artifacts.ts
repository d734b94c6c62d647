// Artifact helpers for tests: a running task to attach artifacts to, createArtifact over
// GraphQL, and uploads and downloads over real HTTP to the gateway.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestGateway } from './gateway';
import { claim, createTask, uniqueQueue } from './tasks';

export const ARTIFACT_FIELDS = 'taskId runId name storageType contentType contentLength expires created present downloadPath downloadUrl';

export const CREATE_ARTIFACT = `mutation ($taskId: ID!, $runId: Int!, $name: String!, $storageType: String!, $expires: DateTime,
    $contentType: String, $url: String, $artifact: String, $reason: String, $message: String) {
  createArtifact(taskId: $taskId, runId: $runId, name: $name, storageType: $storageType, expires: $expires,
      contentType: $contentType, url: $url, artifact: $artifact, reason: $reason, message: $message) {
    uploadUrl uploadPath artifact { ${ARTIFACT_FIELDS} } } }`;

export interface RunningTask {
  taskId: string;
  runId: number;
  queue: string;
  /** Bearer value of the run's task credentials. */
  auth: string;
}

/** Creates a task on a queue of its own and claims it: a run that may make artifacts. */
export async function runningTask(t: TestGateway, overrides: Record<string, unknown> = {}): Promise<RunningTask> {
  const queue = uniqueQueue();
  const task = await createTask(t, { taskQueueId: queue, ...overrides });
  const [c] = await claim(t, queue);
  return { taskId: task.taskId, runId: c.runId, queue, auth: c.auth };
}

export interface ArtifactFields {
  storageType?: string;
  expires?: string;
  contentType?: string;
  url?: string;
  artifact?: string;
  reason?: string;
  message?: string;
}

/** createArtifact as the run's worker (its task credentials unless `auth` is given). */
export function createArtifact(t: TestGateway, run: { taskId: string; runId: number; auth: string }, name: string, fields: ArtifactFields = {}, auth = run.auth) {
  return t.gql(CREATE_ARTIFACT, { taskId: run.taskId, runId: run.runId, name, storageType: 'file', ...fields }, auth);
}

/** The gateway's origin (`http://127.0.0.1:<port>`), for the HTTP paths beside /graphql. */
export function origin(t: TestGateway): string {
  return new URL(t.url).origin;
}

/** PUTs `body` to a gateway path. A Buffer goes with Content-Length; a stream goes chunked unless `length` is given. */
export function upload(t: TestGateway, path: string, body: Buffer | Readable, auth?: string, length?: number): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (length !== undefined) headers['content-length'] = String(length);
  const init: RequestInit & { duplex?: 'half' } = { method: 'PUT', headers };
  if (Buffer.isBuffer(body)) init.body = body;
  else {
    init.body = Readable.toWeb(body) as ReadableStream;
    init.duplex = 'half';
  }
  return fetch(`${origin(t)}${path}`, init);
}

/** GETs a gateway path without following redirects. */
export function download(t: TestGateway, path: string, auth?: string): Promise<Response> {
  return fetch(`${origin(t)}${path}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {}, redirect: 'manual' });
}

/**
 * `size` pseudo-random bytes as a stream of 64 KiB chunks, with their sha256 known once the
 * stream ended — so a test can upload megabytes without holding them.
 */
export function randomStream(size: number): { stream: Readable; sha256: () => string } {
  const hash = crypto.createHash('sha256');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const chunk = crypto.randomBytes(Math.min(65_536, left));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  let digest: string | undefined;
  return { stream, sha256: () => (digest ??= hash.digest('hex')) };
}

/** sha256 and size of a response body, read as a stream. */
export async function digestOf(response: Response): Promise<{ sha256: string; size: number }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** A JSON response body, untyped as tests read it. */
export async function json(response: Response): Promise<any> {
  return response.json();
}
