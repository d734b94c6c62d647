import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexEntriesFor, parentNamespaces } from '../../entities/index/rules';
import { deleteExpiredIndex } from '../../entities/index/upkeep';
import { createArtifact, download, json, upload } from '../support/artifacts';
import { databaseKinds } from '../support/databases';
import { makeClient, uniqueId } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claim, createTask, report, reportException, uniqueQueue } from '../support/tasks';

const INDEXED_TASK = `query ($p: String!) { indexedTask(indexPath: $p) { namespace taskId rank data expires task { taskId status { state } } } }`;
const NAMESPACES = `query ($p: String!, $first: Int, $after: String) { namespaces(prefix: $p, first: $first, after: $after) {
  totalCount nodes { namespace name } pageInfo { hasNextPage endCursor } } }`;
const INDEXED_TASKS = `query ($n: String!) { indexedTasks(namespace: $n) { nodes { namespace taskId rank } } }`;

describe('index rules', () => {
  const expires = new Date('2030-01-01T00:00:00.000Z');
  const task = (routes: string[], extra: Record<string, unknown> = {}) => ({ taskId: 'T', routes, expires, extra });

  it.each([
    [['index.a.b.c'], {}, [{ indexPath: 'a.b.c', namespace: 'a.b', name: 'c', rank: 0, data: {}, expires }]],
    [['index.top'], {}, [{ indexPath: 'top', namespace: '', name: 'top', rank: 0, data: {}, expires }]],
    [['index.z', 'index.a', 'index.z'], {}, [{ indexPath: 'a' }, { indexPath: 'z' }]],
    [['notify.email.x', 'index.', 'index.a..b', 'index.a.'], {}, []],
    [['index.a.b'], { index: { rank: 42, data: { sha: 'abc' } } }, [{ indexPath: 'a.b', rank: 42, data: { sha: 'abc' } }]],
    [['index.a.b'], { index: { rank: '42', data: [1] } }, [{ rank: 0, data: {} }]],
    [['index.a.b'], { index: { expires: '2031-06-01T00:00:00.000Z' } }, [{ expires: new Date('2031-06-01T00:00:00.000Z') }]],
  ])('routes %j with extra %j index as %j', (routes, extra, expected) => {
    const entries = indexEntriesFor(task(routes, extra));
    expect(entries).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(entries[i]).toMatchObject(e));
  });

  it('records every namespace above an entry for browsing', () => {
    expect(parentNamespaces('a.b.c')).toEqual([
      { parent: '', name: 'a' },
      { parent: 'a', name: 'b' },
      { parent: 'a.b', name: 'c' },
    ]);
    expect(parentNamespaces('')).toEqual([]);
  });
});

describe.each(databaseKinds)('the index on %s', (kind) => {
  let t: TestGateway;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(join(tmpdir(), 'taskgate-index-'));
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: `file:${dir}` } });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Creates, claims and resolves a task with these routes and extra; returns its id and credentials. */
  async function runTask(routes: string[], extra: Record<string, unknown> = {}, outcome: 'reportCompleted' | 'reportFailed' | 'exception' | null = 'reportCompleted') {
    const queue = uniqueQueue();
    const { taskId } = await createTask(t, { taskQueueId: queue, routes, extra, retries: 0 });
    const [c] = await claim(t, queue);
    if (outcome === 'exception') expect((await reportException(t, taskId, c.runId, 'malformed-payload', c.auth)).errors).toBeUndefined();
    else if (outcome) expect((await report(t, outcome, taskId, c.runId, c.auth)).errors).toBeUndefined();
    return { taskId, runId: c.runId, auth: c.auth };
  }

  const indexed = async (indexPath: string) => (await t.ok(INDEXED_TASK, { p: indexPath })).indexedTask;

  it('indexes a completed task under each of its index routes, with rank and data', async () => {
    const ns = uniqueId('proj').replace(/-/g, '_');
    const { taskId } = await runTask([`index.${ns}.branch.latest`, `index.${ns}.revision.abc123`, 'notify.x'], { index: { rank: 7, data: { sha: 'abc123' } } });
    for (const path of [`${ns}.branch.latest`, `${ns}.revision.abc123`]) {
      expect(await indexed(path)).toMatchObject({ namespace: path, taskId, rank: 7, data: { sha: 'abc123' }, task: { taskId, status: { state: 'completed' } } });
    }
    expect(await indexed(`${ns}.branch`)).toBeNull();
    expect(await indexed(`${ns}.nothing.here`)).toBeNull();
    expect(errorCode(await t.gql(INDEXED_TASK, { p: `${ns}..x` }))).toBe('BAD_USER_INPUT');
  });

  it('does not index a task that failed, ended in an exception, or has not completed yet', async () => {
    const ns = uniqueId('quiet').replace(/-/g, '_');
    await runTask([`index.${ns}.failed`], {}, 'reportFailed');
    await runTask([`index.${ns}.exception`], {}, 'exception');
    await runTask([`index.${ns}.running`], {}, null);
    for (const name of ['failed', 'exception', 'running']) expect(await indexed(`${ns}.${name}`)).toBeNull();
    expect((await t.ok(NAMESPACES, { p: ns })).namespaces.totalCount).toBe(0);
  });

  it('replaces an entry with a higher or equal rank, never a lower one (Taskcluster’s rule)', async () => {
    const path = `${uniqueId('ranked').replace(/-/g, '_')}.latest`;
    const rank = (r: number) => ({ index: { rank: r } });
    const first = await runTask([`index.${path}`], rank(5));
    expect((await indexed(path)).taskId).toBe(first.taskId);
    await runTask([`index.${path}`], rank(3));
    expect((await indexed(path)).taskId).toBe(first.taskId);
    const equal = await runTask([`index.${path}`], rank(5));
    expect(await indexed(path)).toMatchObject({ taskId: equal.taskId, rank: 5 });
    const higher = await runTask([`index.${path}`], rank(1_700_000_000_000));
    expect(await indexed(path)).toMatchObject({ taskId: higher.taskId, rank: 1_700_000_000_000 });
    const byDefault = await runTask([`index.${path}`]);
    expect((await indexed(path)).taskId).toBe(higher.taskId);
    expect(byDefault.taskId).not.toBe(higher.taskId);
  });

  it('settles tasks completing at once under one path in the database: the highest rank wins, no report fails', async () => {
    const indexPath = `${uniqueId('race').replace(/-/g, '_')}.latest`;
    const queue = uniqueQueue();
    const ranks = [3, 8, 1, 6, 2, 7, 5, 4];
    const ids = new Map<string, number>();
    for (const rank of ranks) {
      const { taskId } = await createTask(t, { taskQueueId: queue, routes: [`index.${indexPath}`, `index.${indexPath}.rank${rank}`], extra: { index: { rank } } });
      ids.set(taskId, rank);
    }
    const claims = await claim(t, queue, { tasks: ranks.length });
    expect(claims).toHaveLength(ranks.length);
    const results = await Promise.all(claims.map((c) => report(t, 'reportCompleted', c.task.taskId, c.runId, c.auth)));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const winner = await indexed(indexPath);
    expect(winner.rank).toBe(8);
    expect(ids.get(winner.taskId)).toBe(8);
  });

  it('lists the namespaces directly under a prefix, page by page, and the tasks of a namespace', async () => {
    const root = uniqueId('tree').replace(/-/g, '_');
    const a = await runTask([`index.${root}.gecko.v2.latest`, `index.${root}.gecko.v1.latest`]);
    const b = await runTask([`index.${root}.servo.latest`, `index.${root}.gecko.v2.nightly`]);

    const top = await t.ok(NAMESPACES, { p: '' });
    expect(top.namespaces.nodes.map((n: any) => n.name)).toContain(root);
    const page1 = (await t.ok(NAMESPACES, { p: root, first: 1 })).namespaces;
    expect(page1).toMatchObject({ totalCount: 2, nodes: [{ namespace: `${root}.gecko`, name: 'gecko' }], pageInfo: { hasNextPage: true } });
    const page2 = (await t.ok(NAMESPACES, { p: root, first: 1, after: page1.pageInfo.endCursor })).namespaces;
    expect(page2.nodes).toEqual([{ namespace: `${root}.servo`, name: 'servo' }]);
    expect((await t.ok(NAMESPACES, { p: `${root}.gecko` })).namespaces.nodes.map((n: any) => n.name)).toEqual(['v1', 'v2']);

    const tasks = (await t.ok(INDEXED_TASKS, { n: `${root}.gecko.v2` })).indexedTasks.nodes;
    expect(tasks).toEqual([
      { namespace: `${root}.gecko.v2.latest`, taskId: a.taskId, rank: 0 },
      { namespace: `${root}.gecko.v2.nightly`, taskId: b.taskId, rank: 0 },
    ]);
  });

  it('serves the latest artifact of an indexed task at /index/<path>/artifacts/<name>', async () => {
    const path = `${uniqueId('served').replace(/-/g, '_')}.latest`;
    const queue = uniqueQueue();
    const { taskId } = await createTask(t, { taskQueueId: queue, routes: [`index.${path}`] });
    const [c] = await claim(t, queue);
    const run = { taskId, runId: c.runId, auth: c.auth };
    for (const [name, body] of [
      ['public/build/app.zip', 'zip bytes'],
      ['private/signing.key', 'key bytes'],
    ]) {
      const created = await createArtifact(t, run, name);
      expect((await upload(t, created.data!.createArtifact.uploadPath, Buffer.from(body), c.auth)).status).toBe(200);
    }
    // Not indexed until completed.
    expect((await download(t, `/index/${path}/artifacts/public/build/app.zip`)).status).toBe(404);
    await report(t, 'reportCompleted', taskId, c.runId, c.auth);

    const served = await download(t, `/index/${path}/artifacts/public/build/app.zip`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('zip bytes');
    const privateAnonymous = await download(t, `/index/${path}/artifacts/private/signing.key`);
    expect(privateAnonymous.status).toBe(401);
    expect((await json(privateAnonymous)).code).toBe('INSUFFICIENT_SCOPES');
    const reader = await makeClient(t, { scopes: ['queue:get-artifact:private/signing.key'] });
    expect(await (await download(t, `/index/${path}/artifacts/private/signing.key`, reader.auth)).text()).toBe('key bytes');

    const nowhere = await download(t, `/index/${path}.nothing/artifacts/public/build/app.zip`);
    expect(nowhere.status).toBe(404);
    expect((await json(nowhere)).code).toBe('NOT_FOUND');
    expect((await download(t, `/index/${path}/artifacts/public/none`)).status).toBe(404);
    expect((await download(t, `/index/${path}/public/build/app.zip`)).status).toBe(404);
  });

  it('forgets entries and namespaces past their expiry (the upkeep job)', async () => {
    const ns = uniqueId('brief').replace(/-/g, '_');
    const soon = new Date(Date.now() + 1200).toISOString();
    await runTask([`index.${ns}.short`], { index: { expires: soon } });
    const kept = await runTask([`index.${ns}.kept.long`]);
    expect(await indexed(`${ns}.short`)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await indexed(`${ns}.short`)).toBeNull();
    expect(await deleteExpiredIndex(t.core)).toBeGreaterThanOrEqual(1);
    const rows = await t.core.db.query(`SELECT name FROM indexed_tasks WHERE namespace = ?`, [ns]);
    expect(rows).toEqual([]);
    expect((await indexed(`${ns}.kept.long`)).taskId).toBe(kept.taskId);
    expect((await t.ok(NAMESPACES, { p: ns })).namespaces.nodes.map((n: any) => n.name)).toEqual(['kept']);
  });
});
