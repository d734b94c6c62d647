// Artifact uploads: createArtifact over GraphQL, then the bytes streamed from disk with a PUT to
// the path the gateway answered (on the gateway's origin), with the run's task credentials.
// A repeated attempt is harmless: createArtifact is idempotent, and a PUT the gateway already
// has answers 409 "already uploaded", which counts as done.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { GraphqlClient, HttpFailure, withRetries } from './graphql/client';
import { CREATE_ARTIFACT, type CreateArtifactResult } from './graphql/documents';

export interface RunAccess {
  client: GraphqlClient;
  taskId: string;
  runId: number;
  /** The current task credentials' Bearer value (they change at each reclaim). */
  auth(): string;
  /** Give up retrying after this time (epoch ms). */
  until(): number;
  signal?: AbortSignal;
}

export interface FileArtifact {
  name: string;
  file: string;
  contentType: string;
  expires?: string;
}

export async function uploadFile(run: RunAccess, artifact: FileArtifact): Promise<void> {
  const { size } = await fs.promises.stat(artifact.file);
  await withRetries(
    async () => {
      const created = await run.client.call<CreateArtifactResult>(
        CREATE_ARTIFACT,
        { taskId: run.taskId, runId: run.runId, name: artifact.name, storageType: 'file', contentType: artifact.contentType, expires: artifact.expires ?? null },
        { auth: run.auth(), until: run.until(), signal: run.signal },
      );
      const { uploadPath } = created.createArtifact;
      if (!uploadPath) return; // uploaded by an earlier attempt
      await put(new URL(uploadPath, run.client.origin), artifact.file, size, artifact.contentType, run.auth());
    },
    { until: run.until(), signal: run.signal },
  );
}

export async function createErrorArtifact(run: RunAccess, props: { name: string; reason: string; message: string; expires?: string }): Promise<void> {
  await run.client.call(
    CREATE_ARTIFACT,
    { taskId: run.taskId, runId: run.runId, name: props.name, storageType: 'error', reason: props.reason, message: props.message.slice(0, 4000), expires: props.expires ?? null },
    { auth: run.auth(), until: run.until(), signal: run.signal },
  );
}

/** PUTs a file with its length; 2xx and 409 (already there) are success. */
function put(url: URL, file: string, size: number, contentType: string, auth: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'PUT',
      headers: { 'content-type': contentType, 'content-length': String(size), authorization: `Bearer ${auth}` },
    });
    request.setTimeout(120_000, () => request.destroy(Object.assign(new Error('upload timed out'), { name: 'TimeoutError' })));
    request.once('error', reject);
    request.once('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body = (body + chunk).slice(0, 2000)));
      response.once('end', () => {
        const status = response.statusCode ?? 0;
        if ((status >= 200 && status < 300) || (status === 409 && /already uploaded/.test(body))) resolve();
        else reject(new HttpFailure(status, body));
      });
      response.once('error', reject);
    });
    const source = fs.createReadStream(file);
    source.once('error', (error) => request.destroy(error));
    source.pipe(request);
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.xml': 'application/xml',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.bz2': 'application/x-bzip2',
  '.xz': 'application/x-xz',
  '.zst': 'application/zstd',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  const match = /\.[a-z0-9]+$/i.exec(file);
  return (match && CONTENT_TYPES[match[0].toLowerCase()]) ?? 'application/octet-stream';
}
