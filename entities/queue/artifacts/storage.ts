// Where the bytes of `file` artifacts live: a local folder (default) or S3-compatible storage,
// chosen by ARTIFACTS_URL. Both take a stream and never hold a whole artifact in memory, and
// both make an object appear whole or not at all, so a failed upload leaves nothing behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config';
import { S3Client } from './s3';

/** One artifact's bytes: the run and the artifact name. */
export interface ArtifactRef {
  taskId: string;
  runId: number;
  name: string;
}

export interface StoredBytes {
  body: Readable;
  length: number;
}

export interface ArtifactStorage {
  readonly kind: 'file' | 's3';
  /**
   * Stores `body` under `ref` (`length` bytes when known). On failure, including an error of
   * `body` itself, nothing is stored and any earlier bytes under `ref` stay as they were.
   */
  put(ref: ArtifactRef, body: Readable, length: number | undefined, contentType: string): Promise<void>;
  /** The bytes, or null when none are stored. */
  get(ref: ArtifactRef): Promise<StoredBytes | null>;
  /** Deletes the bytes; absent bytes are not an error. */
  delete(ref: ArtifactRef): Promise<void>;
}

const storages = new WeakMap<Config, ArtifactStorage>();

/** The storage named by the config, made once per config. Throws a clear error if it is unusable. */
export function artifactStorage(config: Config): ArtifactStorage {
  let storage = storages.get(config);
  if (!storage) {
    storage = openStorage(config);
    storages.set(config, storage);
  }
  return storage;
}

function openStorage(config: Config): ArtifactStorage {
  const url = config.artifactsUrl;
  if (url.startsWith('file:')) {
    // file:./data/artifacts (relative), file:/srv/artifacts and file:///srv/artifacts (absolute).
    const dir = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    return new LocalStorage(path.resolve(dir || '.'));
  }
  const parsed = new URL(url);
  const { accessKeyId, secretAccessKey, region, endpoint } = config.artifactsS3;
  if (!parsed.hostname) throw new Error(`ARTIFACTS_URL must name a bucket: s3://<bucket>/<prefix>`);
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('ARTIFACTS_URL is s3://…: set ARTIFACTS_S3_ACCESS_KEY_ID and ARTIFACTS_S3_SECRET_ACCESS_KEY (and ARTIFACTS_S3_ENDPOINT for non-AWS stores)');
  }
  const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  return new S3Storage(new S3Client({ bucket: parsed.hostname, region, endpoint, accessKeyId, secretAccessKey }), prefix);
}

/** Object key: `<prefix>/<taskId>/<runId>/<name>`, readable in the bucket. */
export function objectKey(prefix: string, ref: ArtifactRef): string {
  return `${prefix ? `${prefix}/` : ''}${ref.taskId}/${ref.runId}/${ref.name}`;
}

/**
 * Files at `<dir>/<taskId>/<runId>/<sha256(name)>`. Names may contain `/`, and both `a` and
 * `a/b` may exist, which as paths would need `a` to be a file and a folder at once; hashing the
 * name also keeps every file name short and free of `..`. Uploads go to `<dir>/.tmp` and are
 * renamed into place (same filesystem, so the rename is atomic).
 */
export class LocalStorage implements ArtifactStorage {
  readonly kind = 'file';
  private readonly tmp: string;

  constructor(readonly dir: string) {
    this.tmp = path.join(dir, '.tmp');
  }

  pathOf(ref: ArtifactRef): string {
    const hash = crypto.createHash('sha256').update(ref.name, 'utf8').digest('hex');
    return path.join(this.dir, ref.taskId, String(ref.runId), hash);
  }

  async put(ref: ArtifactRef, body: Readable, _length: number | undefined, _contentType: string): Promise<void> {
    await fs.promises.mkdir(this.tmp, { recursive: true });
    const temp = path.join(this.tmp, crypto.randomUUID());
    try {
      await pipeline(body, fs.createWriteStream(temp, { flags: 'wx' }));
      const target = this.pathOf(ref);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(temp, target);
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      throw error;
    }
  }

  async get(ref: ArtifactRef): Promise<StoredBytes | null> {
    const file = this.pathOf(ref);
    try {
      // Open first, then stat the open file: a concurrent delete cannot split the two.
      const handle = await fs.promises.open(file, 'r');
      const { size } = await handle.stat();
      return { body: handle.createReadStream(), length: size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(ref: ArtifactRef): Promise<void> {
    const file = this.pathOf(ref);
    await fs.promises.rm(file, { force: true });
    // Drop the run's and task's folders once empty; another artifact may still be there.
    for (const dir of [path.dirname(file), path.dirname(path.dirname(file))]) {
      await fs.promises.rmdir(dir).catch(() => undefined);
    }
  }
}

/**
 * Objects at `<prefix>/<taskId>/<runId>/<name>`. One PUT needs the length up front; an upload
 * without one (chunked) is first spooled to a temporary file — on disk, never in memory.
 */
export class S3Storage implements ArtifactStorage {
  readonly kind = 's3';

  constructor(
    readonly client: S3Client,
    readonly prefix: string,
  ) {}

  async put(ref: ArtifactRef, body: Readable, length: number | undefined, contentType: string): Promise<void> {
    const key = objectKey(this.prefix, ref);
    if (length !== undefined) return this.client.putObject(key, body, length, contentType);
    const spool = path.join(os.tmpdir(), `taskgate-upload-${crypto.randomUUID()}`);
    try {
      await pipeline(body, fs.createWriteStream(spool, { flags: 'wx' }));
      const { size } = await fs.promises.stat(spool);
      await this.client.putObject(key, fs.createReadStream(spool), size, contentType);
    } finally {
      await fs.promises.rm(spool, { force: true });
    }
  }

  get(ref: ArtifactRef): Promise<StoredBytes | null> {
    return this.client.getObject(objectKey(this.prefix, ref));
  }

  delete(ref: ArtifactRef): Promise<void> {
    return this.client.deleteObject(objectKey(this.prefix, ref));
  }
}
