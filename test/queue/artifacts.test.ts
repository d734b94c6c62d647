import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../entities/queue/artifacts/storage';
import { deleteExpiredArtifacts } from '../../entities/queue/artifacts/upkeep';
import { EMPTY_SHA256, encodeKey, sha256Hex, signRequest } from '../../entities/queue/artifacts/sigv4';
import { checkArtifactName } from '../../entities/queue/artifacts/rules';
import {
  ARTIFACT_FIELDS,
  createArtifact,
  digestOf,
  download,
  json,
  randomStream,
  runningTask,
  upload,
  type RunningTask,
} from '../support/artifacts';
import { databaseKinds } from '../support/databases';
import { makeClient, uniqueId } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode, wsClient, wsSubscribe } from '../support/graphql';
import { claim, report, reportException } from '../support/tasks';

const MiB = 1024 * 1024;
const LIMIT = 8 * MiB;

/** Every file under `dir` except the (possibly empty) temp folder. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

/** Creates a file artifact and uploads `bytes` to it. */
async function putFile(t: TestGateway, run: RunningTask, name: string, bytes: Buffer | string, contentType = 'text/plain') {
  const created = await createArtifact(t, run, name, { contentType });
  expect(created.errors).toBeUndefined();
  const response = await upload(t, created.data!.createArtifact.uploadPath, Buffer.from(bytes), run.auth);
  expect(response.status).toBe(200);
  return created.data!.createArtifact;
}

describe('artifact rules', () => {
  it.each([
    ['public/logs/live.log', true],
    ['a', true],
    ['private/a b/c.txt', true],
    ['', false],
    ['/leading', false],
    ['trailing/', false],
    ['double//slash', false],
    ['dot/./segment', false],
    ['up/../and', false],
    ['non-ascii/é', false],
    ['x'.repeat(513), false],
  ])('accepts %j as an artifact name: %s', (name, ok) => {
    if (ok) expect(() => checkArtifactName(name)).not.toThrow();
    else expect(() => checkArtifactName(name)).toThrow(/artifact name/);
  });

  // AWS's published SigV4 examples for S3 (GET Object and PUT Object).
  const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const date = new Date('2013-05-24T00:00:00Z');
  it('signs S3 requests as AWS’s published SigV4 examples do', () => {
    const get = signRequest(keys, {
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      headers: { Range: 'bytes=0-9' },
      payloadHash: EMPTY_SHA256,
      region: 'us-east-1',
      date,
    });
    expect(get.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    const put = signRequest(keys, {
      method: 'PUT',
      url: new URL(`https://examplebucket.s3.amazonaws.com/${encodeKey('test$file.text')}`),
      headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadHash: sha256Hex('Welcome to Amazon S3.'),
      region: 'us-east-1',
      date,
    });
    expect(put.authorization).toContain('Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });
});

describe.each(databaseKinds)('artifacts on %s', (kind) => {
  let t: TestGateway;
  let dir: string;
  let reader: { auth: string };
  let nobody: { auth: string };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-artifacts-'));
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: `file:${dir}`, MAX_ARTIFACT_BYTES: String(LIMIT) } });
    reader = await makeClient(t, { scopes: ['queue:get-artifact:private/*'] });
    nobody = await makeClient(t, { scopes: [] });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a multi-megabyte file in a stream and downloads the same bytes', async () => {
    const run = await runningTask(t);
    const created = await createArtifact(t, run, 'private/build/target.bin', { contentType: 'application/x-test' });
    expect(created.errors).toBeUndefined();
    const { uploadPath, uploadUrl, artifact } = created.data!.createArtifact;
    expect(uploadPath).toBe(`/artifacts/${run.taskId}/${run.runId}/private/build/target.bin`);
    expect(uploadUrl).toMatch(new RegExp(`^http://localhost:0/artifacts/${run.taskId}/0/private/build/target.bin$`));
    expect(artifact).toMatchObject({ storageType: 'file', present: false, contentLength: null, contentType: 'application/x-test' });

    const size = 6 * MiB + 123;
    const source = randomStream(size);
    const put = await upload(t, uploadPath, source.stream, run.auth, size);
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ present: true, contentLength: size });

    const got = await download(t, uploadPath, t.root);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/x-test');
    expect(got.headers.get('content-length')).toBe(String(size));
    expect(await digestOf(got)).toEqual({ sha256: source.sha256(), size });

    const { artifact: described } = await t.ok(`query ($t: ID!) { artifact(taskId: $t, runId: 0, name: "private/build/target.bin") { ${ARTIFACT_FIELDS} } }`, {
      t: run.taskId,
    });
    expect(described).toMatchObject({ present: true, contentLength: size, downloadPath: uploadPath });
  });

  it('takes an upload without Content-Length (chunked) as well', async () => {
    const run = await runningTask(t);
    const created = await createArtifact(t, run, 'public/chunked.bin');
    const source = randomStream(3 * MiB);
    const put = await upload(t, created.data!.createArtifact.uploadPath, source.stream, run.auth);
    expect(put.status).toBe(200);
    const got = await download(t, `/artifacts/${run.taskId}/0/public/chunked.bin`);
    expect(await digestOf(got)).toEqual({ sha256: source.sha256(), size: 3 * MiB });
  });

  it('refuses an upload over MAX_ARTIFACT_BYTES with 413 and keeps none of it', async () => {
    const run = await runningTask(t);
    const before = filesUnder(dir).length;
    for (const [name, declared] of [
      ['public/declared.bin', true],
      ['public/streamed.bin', false],
    ] as const) {
      const created = await createArtifact(t, run, name);
      const size = LIMIT + MiB;
      const source = randomStream(size);
      const put = await upload(t, created.data!.createArtifact.uploadPath, source.stream, run.auth, declared ? size : undefined);
      expect(put.status).toBe(413);
      expect(await json(put)).toMatchObject({ code: 'BAD_USER_INPUT', details: { reason: 'too-large', limit: LIMIT } });
      const got = await download(t, `/artifacts/${run.taskId}/0/${name}`);
      expect(got.status).toBe(404);
      expect((await json(got)).code).toBe('NOT_FOUND');
    }
    expect(filesUnder(dir).length).toBe(before);
  });

  it('refuses uploads without credentials, with wrong ones, or with another run’s', async () => {
    const first = await runningTask(t, { retries: 1 });
    const created = await createArtifact(t, first, 'public/guarded.txt');
    const uploadPath = created.data!.createArtifact.uploadPath;

    const anonymous = await upload(t, uploadPath, Buffer.from('x'));
    expect(anonymous.status).toBe(401);
    expect((await json(anonymous)).code).toBe('INSUFFICIENT_SCOPES');

    const wrong = await upload(t, uploadPath, Buffer.from('x'), `${nobody.auth.split(':')[0]}:not-the-token`);
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).code).toBe('UNAUTHENTICATED');

    const noScope = await upload(t, uploadPath, Buffer.from('x'), nobody.auth);
    expect(noScope.status).toBe(403);
    expect((await json(noScope)).details.missing).toEqual([`queue:create-artifact:${first.taskId}/0`]);

    // The run ends (worker-shutdown) and is retried as run 1: run 1's credentials do not reach run 0.
    expect((await reportException(t, first.taskId, 0, 'worker-shutdown', first.auth)).errors).toBeUndefined();
    const [second] = await claim(t, first.queue);
    expect(second.runId).toBe(1);
    const other = await upload(t, uploadPath, Buffer.from('x'), second.auth);
    expect(other.status).toBe(403);
    const create = await createArtifact(t, { ...first, auth: second.auth }, 'public/other-run.txt');
    expect(errorCode(create)).toBe('INSUFFICIENT_SCOPES');
  });

  it('serves public/ artifacts to anyone and others only with queue:get-artifact:<name>', async () => {
    const run = await runningTask(t);
    await putFile(t, run, 'public/open.txt', 'open to all');
    await putFile(t, run, 'private/secret.txt', 'for readers');

    const open = await download(t, `/artifacts/${run.taskId}/0/public/open.txt`);
    expect(open.status).toBe(200);
    expect(await open.text()).toBe('open to all');
    expect(open.headers.get('x-content-type-options')).toBe('nosniff');

    const anonymous = await download(t, `/artifacts/${run.taskId}/0/private/secret.txt`);
    expect(anonymous.status).toBe(401);
    expect(await json(anonymous)).toMatchObject({ code: 'INSUFFICIENT_SCOPES', details: { missing: ['queue:get-artifact:private/secret.txt'] } });
    const without = await download(t, `/artifacts/${run.taskId}/0/private/secret.txt`, nobody.auth);
    expect(without.status).toBe(403);
    const withScope = await download(t, `/artifacts/${run.taskId}/0/private/secret.txt`, reader.auth);
    expect(withScope.status).toBe(200);
    expect(await withScope.text()).toBe('for readers');
  });

  it('redirects a reference artifact with 303, follows links, and answers an error artifact with 424', async () => {
    const run = await runningTask(t);
    await putFile(t, run, 'public/target.txt', 'the target');
    await putFile(t, run, 'private/hidden.txt', 'hidden');
    expect((await createArtifact(t, run, 'public/ref', { storageType: 'reference', url: 'https://example.com/x?y=1' })).errors).toBeUndefined();
    expect((await createArtifact(t, run, 'public/link', { storageType: 'link', artifact: 'public/target.txt' })).errors).toBeUndefined();
    expect((await createArtifact(t, run, 'public/chain', { storageType: 'link', artifact: 'public/link' })).errors).toBeUndefined();
    expect((await createArtifact(t, run, 'public/to-private', { storageType: 'link', artifact: 'private/hidden.txt' })).errors).toBeUndefined();
    expect((await createArtifact(t, run, 'public/loop-a', { storageType: 'link', artifact: 'public/loop-b' })).errors).toBeUndefined();
    expect((await createArtifact(t, run, 'public/loop-b', { storageType: 'link', artifact: 'public/loop-a' })).errors).toBeUndefined();
    const error = await createArtifact(t, run, 'public/missing.zip', { storageType: 'error', reason: 'file-missing-on-worker', message: 'no such file: out.zip' });
    expect(error.errors).toBeUndefined();

    const ref = await download(t, `/artifacts/${run.taskId}/0/public/ref`);
    expect(ref.status).toBe(303);
    expect(ref.headers.get('location')).toBe('https://example.com/x?y=1');

    for (const name of ['public/link', 'public/chain']) {
      const linked = await download(t, `/artifacts/${run.taskId}/0/${name}`);
      expect(linked.status).toBe(200);
      expect(await linked.text()).toBe('the target');
    }
    // A link does not widen access: the target needs its own scope.
    expect((await download(t, `/artifacts/${run.taskId}/0/public/to-private`)).status).toBe(401);
    expect(await (await download(t, `/artifacts/${run.taskId}/0/public/to-private`, t.root)).text()).toBe('hidden');
    const loop = await download(t, `/artifacts/${run.taskId}/0/public/loop-a`);
    expect(loop.status).toBe(404);
    expect((await json(loop)).message).toMatch(/links/);

    const failed = await download(t, `/artifacts/${run.taskId}/0/public/missing.zip`);
    expect(failed.status).toBe(424);
    expect(await json(failed)).toEqual({ reason: 'file-missing-on-worker', message: 'no such file: out.zip' });

    const missing = await download(t, `/artifacts/${run.taskId}/0/public/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe('NOT_FOUND');
    expect((await download(t, `/artifacts/${run.taskId}/7/public/target.txt`)).status).toBe(404);
  });

  it('shows reference URLs, link targets and error messages only to readers of the artifact', async () => {
    const run = await runningTask(t);
    await createArtifact(t, run, 'private/ref', { storageType: 'reference', url: 'https://example.com/signed?token=s3cret' });
    const query = `query ($t: ID!) { artifact(taskId: $t, runId: 0, name: "private/ref") { name storageType url } }`;
    const anonymous = await t.gql(query, { t: run.taskId });
    expect(errorCode(anonymous)).toBe('INSUFFICIENT_SCOPES');
    expect(JSON.stringify(anonymous)).not.toContain('s3cret');
    expect((await t.ok(query, { t: run.taskId }, reader.auth)).artifact.url).toBe('https://example.com/signed?token=s3cret');
  });

  it('serves the latest run’s artifact at /artifacts/<taskId>/latest/<name>', async () => {
    const first = await runningTask(t, { retries: 1 });
    await putFile(t, first, 'public/result.txt', 'run 0');
    await reportException(t, first.taskId, 0, 'worker-shutdown', first.auth);
    const latestBefore = await download(t, `/artifacts/${first.taskId}/latest/public/result.txt`);
    expect(latestBefore.status).toBe(404); // run 1 is pending and has no artifact yet
    const [second] = await claim(t, first.queue);
    await putFile(t, { taskId: first.taskId, runId: 1, auth: second.auth, queue: first.queue }, 'public/result.txt', 'run 1');
    expect(await (await download(t, `/artifacts/${first.taskId}/latest/public/result.txt`)).text()).toBe('run 1');
    expect(await (await download(t, `/artifacts/${first.taskId}/0/public/result.txt`)).text()).toBe('run 0');
    expect((await download(t, `/artifacts/${uniqueId('nope').slice(0, 22).padEnd(22, 'x')}/latest/public/result.txt`)).status).toBe(404);
  });

  it('lists a run’s artifacts by name, page by page, and the latest run’s', async () => {
    const run = await runningTask(t);
    for (const name of ['public/c', 'public/a', 'private/b']) await createArtifact(t, run, name, { storageType: 'reference', url: 'https://example.com/' });
    const list = `query ($t: ID!, $after: String) { artifacts(taskId: $t, runId: 0, first: 2, after: $after) {
      totalCount nodes { name storageType } pageInfo { hasNextPage endCursor } } }`;
    const page1 = (await t.ok(list, { t: run.taskId })).artifacts;
    expect(page1.totalCount).toBe(3);
    expect(page1.nodes.map((n: any) => n.name)).toEqual(['private/b', 'public/a']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await t.ok(list, { t: run.taskId, after: page1.pageInfo.endCursor })).artifacts;
    expect(page2.nodes.map((n: any) => n.name)).toEqual(['public/c']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const latest = await t.ok(`query ($t: ID!) { latestArtifacts(taskId: $t) { nodes { name runId } } task(taskId: $t) { artifacts { totalCount } } }`, { t: run.taskId });
    expect(latest.latestArtifacts.nodes.map((n: any) => n.name)).toEqual(['private/b', 'public/a', 'public/c']);
    expect(latest.task.artifacts.totalCount).toBe(3);
    expect(errorCode(await t.gql(`query { latestArtifacts(taskId: "AAAAAAAAAAAAAAAAAAAAAA") { totalCount } }`))).toBe('NOT_FOUND');
  });

  it('answers an identical createArtifact with the same artifact and a different one with CONFLICT', async () => {
    const run = await runningTask(t);
    const first = await createArtifact(t, run, 'public/same.txt', { contentType: 'text/plain' });
    const again = await createArtifact(t, run, 'public/same.txt', { contentType: 'text/plain' });
    expect(again.errors).toBeUndefined();
    expect(again.data!.createArtifact).toEqual(first.data!.createArtifact);
    expect(errorCode(await createArtifact(t, run, 'public/same.txt', { contentType: 'text/html' }))).toBe('CONFLICT');
    expect(errorCode(await createArtifact(t, run, 'public/same.txt', { storageType: 'reference', url: 'https://example.com/' }))).toBe('CONFLICT');

    // Once uploaded, the bytes stay as they are.
    const path = first.data!.createArtifact.uploadPath;
    expect((await upload(t, path, Buffer.from('one'), run.auth)).status).toBe(200);
    const twice = await upload(t, path, Buffer.from('two'), run.auth);
    expect(twice.status).toBe(409);
    expect((await json(twice)).code).toBe('CONFLICT');
    const after = await createArtifact(t, run, 'public/same.txt', { contentType: 'text/plain' });
    expect(after.data!.createArtifact).toMatchObject({ uploadPath: null, uploadUrl: null, artifact: { present: true, contentLength: 3 } });
  });

  it('refuses bad input, and new artifacts once the run is resolved', async () => {
    const run = await runningTask(t);
    const tooLate = new Date(Date.now() + 400 * 86_400_000).toISOString();
    expect(errorCode(await createArtifact(t, run, 'public/x', { expires: tooLate }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/../x'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/r', { storageType: 'reference', url: 'javascript:alert(1)' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/e', { storageType: 'error', reason: 'bored', message: 'x' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/l', { storageType: 'link', artifact: 'public/l' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/f', { url: 'https://example.com/' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createArtifact(t, run, 'public/f', { storageType: 'folder' }))).toBe('BAD_USER_INPUT');

    const pending = await createArtifact(t, run, 'public/late.txt');
    expect((await report(t, 'reportCompleted', run.taskId, 0, run.auth)).errors).toBeUndefined();
    expect(errorCode(await createArtifact(t, run, 'public/after.txt'))).toBe('CONFLICT');
    const late = await upload(t, pending.data!.createArtifact.uploadPath, Buffer.from('late'), run.auth);
    expect(late.status).toBe(409);
  });

  it('announces artifacts as they become readable', async () => {
    const run = await runningTask(t);
    const client = wsClient(t.url, t.root);
    try {
      const sub = wsSubscribe(client, `subscription ($t: ID!) { artifactCreated(taskId: $t) { name storageType present contentLength } }`, { t: run.taskId });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await createArtifact(t, run, 'public/ref', { storageType: 'reference', url: 'https://example.com/' });
      await putFile(t, run, 'public/file.txt', 'abc');
      const events = await sub.waitFor(2);
      expect(events.map((e) => e.data!.artifactCreated)).toEqual([
        { name: 'public/ref', storageType: 'reference', present: true, contentLength: null },
        { name: 'public/file.txt', storageType: 'file', present: true, contentLength: 3 },
      ]);
      sub.stop();
    } finally {
      await client.dispose();
    }
  });

  it('deletes expired artifacts and their bytes (the upkeep job)', async () => {
    const run = await runningTask(t);
    const soon = new Date(Date.now() + 1500).toISOString();
    await createArtifact(t, run, 'public/short.txt', { expires: soon });
    await upload(t, `/artifacts/${run.taskId}/0/public/short.txt`, Buffer.from('short-lived'), run.auth);
    await createArtifact(t, run, 'public/short-ref', { storageType: 'reference', url: 'https://example.com/', expires: soon });
    await putFile(t, run, 'public/long.txt', 'long-lived');
    const storage = new LocalStorage(dir);
    const shortFile = storage.pathOf({ taskId: run.taskId, runId: 0, name: 'public/short.txt' });
    expect(fs.existsSync(shortFile)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await download(t, `/artifacts/${run.taskId}/0/public/short.txt`)).status).toBe(404);
    expect(await deleteExpiredArtifacts(t.core)).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(shortFile)).toBe(false);
    const left = await t.ok(`query ($t: ID!) { artifacts(taskId: $t, runId: 0) { nodes { name } } }`, { t: run.taskId });
    expect(left.artifacts.nodes.map((n: any) => n.name)).toEqual(['public/long.txt']);
    expect(await (await download(t, `/artifacts/${run.taskId}/0/public/long.txt`)).text()).toBe('long-lived');
    const rows = await t.core.db.query(`SELECT name FROM artifacts WHERE task_id = ?`, [run.taskId]);
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['public/long.txt']);
  });
});

/**
 * A fake S3 at the edge: keeps objects in memory and checks every request's SigV4 signature by
 * signing it again with the same secret, refusing a bad one with 403 as S3 would.
 */
async function startFakeS3(keys: { accessKeyId: string; secretAccessKey: string }, region: string) {
  const objects = new Map<string, Buffer>();
  const requests: { method: string; path: string; signed: boolean }[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const auth = String(req.headers.authorization ?? '');
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
    let signed = false;
    if (match && match[1] === keys.accessKeyId && match[3] === region && req.headers['x-amz-date'] && req.headers['x-amz-content-sha256']) {
      const headers: Record<string, string> = {};
      for (const name of match[4].split(';')) if (!['host', 'x-amz-date', 'x-amz-content-sha256'].includes(name)) headers[name] = String(req.headers[name]);
      const amzDate = String(req.headers['x-amz-date']);
      const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
      const again = signRequest(keys, {
        method: req.method!,
        url: new URL(req.url!, `http://${req.headers.host}`),
        headers,
        payloadHash: String(req.headers['x-amz-content-sha256']),
        region,
        date,
      });
      signed = again.authorization === auth;
    }
    const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    requests.push({ method: req.method!, path: key, signed });
    if (!signed) return void res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
    if (req.method === 'PUT') {
      if (Number(req.headers['content-length']) !== Buffer.concat(chunks).length) return void res.writeHead(400).end('<Error><Code>IncompleteBody</Code></Error>');
      objects.set(key, Buffer.concat(chunks));
      return void res.writeHead(200).end();
    }
    if (req.method === 'GET') {
      const body = objects.get(key);
      if (!body) return void res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      return void res.writeHead(200, { 'content-length': body.length }).end(body);
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      return void res.writeHead(204).end();
    }
    res.writeHead(405).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    objects,
    requests,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(databaseKinds)('artifacts in S3-compatible storage on %s', (kind) => {
  const keys = { accessKeyId: 'TESTACCESSKEY', secretAccessKey: 'test/secret+key' };
  let s3: Awaited<ReturnType<typeof startFakeS3>>;
  let t: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    s3 = await startFakeS3(keys, 'eu-test-1');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-data-'));
    t = await startTestGateway(kind, {
      env: {
        DATA_DIR: dataDir,
        ARTIFACTS_URL: 's3://artifact-bucket/some/prefix',
        ARTIFACTS_S3_ENDPOINT: s3.endpoint,
        ARTIFACTS_S3_REGION: 'eu-test-1',
        ARTIFACTS_S3_ACCESS_KEY_ID: keys.accessKeyId,
        ARTIFACTS_S3_SECRET_ACCESS_KEY: keys.secretAccessKey,
        MAX_ARTIFACT_BYTES: String(LIMIT),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores uploads as signed S3 objects, serves them back, and never touches the local folder', async () => {
    const run = await runningTask(t);
    const size = 5 * MiB + 7;
    for (const [name, declared] of [
      ['public/s3/declared.bin', true],
      ['public/s3/chunked name.bin', false],
    ] as const) {
      const created = await createArtifact(t, run, name, { contentType: 'application/x-s3' });
      const source = randomStream(size);
      const put = await upload(t, created.data!.createArtifact.uploadPath, source.stream, run.auth, declared ? size : undefined);
      expect(put.status).toBe(200);
      const key = `/artifact-bucket/some/prefix/${run.taskId}/0/${name}`;
      expect(crypto.createHash('sha256').update(s3.objects.get(key)!).digest('hex')).toBe(source.sha256());
      const got = await download(t, created.data!.createArtifact.uploadPath);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/x-s3');
      expect(await digestOf(got)).toEqual({ sha256: source.sha256(), size });
    }
    expect(s3.requests.length).toBeGreaterThanOrEqual(4);
    expect(s3.requests.every((r) => r.signed)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'artifacts'))).toBe(false);
    expect(filesUnder(dataDir).filter((f) => !f.endsWith('.sqlite') && !/\.sqlite-(wal|shm)$/.test(f) && !f.endsWith('.key'))).toEqual([]);
  });

  it('refuses an upload over the limit without leaving an object', async () => {
    const run = await runningTask(t);
    const created = await createArtifact(t, run, 'public/s3/huge.bin');
    const put = await upload(t, created.data!.createArtifact.uploadPath, randomStream(LIMIT + 1).stream, run.auth);
    expect(put.status).toBe(413);
    expect([...s3.objects.keys()].some((k) => k.endsWith('/huge.bin'))).toBe(false);
  });

  it('deletes expired objects from the bucket', async () => {
    const run = await runningTask(t);
    await createArtifact(t, run, 'public/s3/brief.txt', { expires: new Date(Date.now() + 1000).toISOString() });
    expect((await upload(t, `/artifacts/${run.taskId}/0/public/s3/brief.txt`, Buffer.from('brief'), run.auth)).status).toBe(200);
    const key = `/artifact-bucket/some/prefix/${run.taskId}/0/public/s3/brief.txt`;
    expect(s3.objects.has(key)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await deleteExpiredArtifacts(t.core)).toBeGreaterThanOrEqual(1);
    expect(s3.objects.has(key)).toBe(false);
  });
});
