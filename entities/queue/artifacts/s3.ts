// A small S3 client: PUT, GET (streamed) and DELETE of one object, signed with SigV4. Enough for
// artifacts, and it works with any S3-compatible store (MinIO, Ceph, R2) through `endpoint`.
// Objects go up in one PUT, so one object is at most 5 GiB (MAX_ARTIFACT_BYTES is capped there).
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { encodeKey, signRequest, SigningKeys } from './sigv4';

export interface S3Options extends SigningKeys {
  bucket: string;
  region: string;
  /** Path-style endpoint (`http://minio:9000`); unset means AWS virtual-hosted style. */
  endpoint?: string;
}

export class S3Error extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`S3 ${operation} answered ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'S3Error';
  }
}

export class S3Client {
  constructor(private readonly options: S3Options) {}

  /** Uploads `length` bytes from `body`. The object appears whole or not at all. */
  async putObject(key: string, body: Readable, length: number, contentType = 'application/octet-stream'): Promise<void> {
    const response = await this.send('PUT', key, { 'content-length': String(length), 'content-type': contentType }, body);
    if (!response.ok) throw await this.failure('PUT', response);
    await response.body?.cancel();
  }

  /** The object's bytes as a stream, or null when there is no such object. */
  async getObject(key: string): Promise<{ body: Readable; length: number } | null> {
    // Stored bytes are served as stored: ask for no content coding, so fetch never decodes any.
    const response = await this.send('GET', key, { 'accept-encoding': 'identity' });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok || !response.body) throw await this.failure('GET', response);
    return {
      body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      length: Number(response.headers.get('content-length') ?? NaN),
    };
  }

  /** Deletes the object; an absent object is not an error (S3 answers 204 either way). */
  async deleteObject(key: string): Promise<void> {
    const response = await this.send('DELETE', key, {});
    await response.body?.cancel();
    if (!response.ok && response.status !== 404) throw new S3Error('DELETE', response.status, '');
  }

  private url(key: string): URL {
    const { bucket, region, endpoint } = this.options;
    if (endpoint) return new URL(`${endpoint.replace(/\/+$/, '')}/${encodeKey(bucket)}/${encodeKey(key)}`);
    return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${encodeKey(key)}`);
  }

  private send(method: string, key: string, headers: Record<string, string>, body?: Readable): Promise<Response> {
    const url = this.url(key);
    const signed = signRequest(this.options, { method, url, headers, region: this.options.region, date: new Date() });
    delete signed.host; // fetch sets it
    return fetch(url, {
      method,
      headers: signed,
      ...(body ? { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' } : {}),
      // A redirect means a misconfigured region or endpoint; following it would drop the signature.
      redirect: 'error',
    } as RequestInit);
  }

  private async failure(operation: string, response: Response): Promise<S3Error> {
    const text = await response.text().catch(() => '');
    // S3's XML error names the problem in <Code>; keep the message short.
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? text.slice(0, 200);
    return new S3Error(operation, response.status, code);
  }
}
