// The worker end to end, with a real worker process claiming from a real gateway: commands,
// exit codes, maxRunTime, bad payloads, artifacts, caches, the task's environment and folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { TcpProxy } from '../gateway/tcp-proxy';
import { download, json } from '../support/artifacts';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sleep, uniqueQueue } from '../support/tasks';
import {
  createWorkTask,
  isState,
  killWorkers,
  makeWorkerClient,
  nodeCommand,
  readLog,
  spawnWorker,
  taskLines,
  tempArtifactsUrl,
  waitForTask,
  type WorkerProcess,
} from './worker-process';

describe.each(databaseKinds)('the worker on %s', (kind) => {
  let t: TestGateway;
  let worker: WorkerProcess;
  let pool: string;
  const artifacts = tempArtifactsUrl();

  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url } });
    pool = uniqueQueue();
    worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
  });
  afterAll(async () => {
    await killWorkers();
    await t?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  /** Runs a task to its resolution; on a timeout the worker's own log explains. */
  async function run(payload: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
    const task = await createWorkTask(t, pool, payload, overrides);
    try {
      const status = await waitForTask(t, task.taskId);
      return { taskId: task.taskId, status, run: status.runs.at(-1) };
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker output:\n${worker.output().slice(-5000)}`);
    }
  }

  it('completes a task whose command exits 0, and its log is the live.log artifact', async () => {
    const { taskId, status, run: r } = await run({ command: ['sh', '-c', 'echo hello'] });
    expect(status.state).toBe('completed');
    expect(r).toMatchObject({ state: 'completed', reasonResolved: 'completed', workerGroup: 'local', workerId: worker.workerId });
    const log = await readLog(t, taskId);
    expect(taskLines(log)).toEqual(['hello']);
    expect(log).toContain('exit code 0');
  });

  it('fails a task whose command exits non-zero', async () => {
    const { taskId, status } = await run({ command: ['sh', '-c', 'echo about to fail; exit 3'] });
    expect(status.state).toBe('failed');
    expect(status.runs[0].reasonResolved).toBe('failed');
    const log = await readLog(t, taskId);
    expect(taskLines(log)).toEqual(['about to fail']);
    expect(log).toContain('exit code 3');
  });
  it('runs several commands in turn and stops at the first that fails', async () => {
    const { taskId, status } = await run({ command: [['sh', '-c', 'echo one'], ['sh', '-c', 'echo two; exit 1'], ['sh', '-c', 'echo three']] });
    expect(status.state).toBe('failed');
    expect(taskLines(await readLog(t, taskId))).toEqual(['one', 'two']);
  });

  it('runs a command without a shell: arguments reach the program as they are', async () => {
    const { taskId, status } = await run({ command: nodeCommand('console.log(JSON.stringify(process.argv.slice(1)))').concat(['$HOME', 'a b', '*']) });
    expect(status.state).toBe('completed');
    expect(taskLines(await readLog(t, taskId))).toEqual([JSON.stringify(['$HOME', 'a b', '*'])]);
  });

  it('fails a command that cannot start, saying why', async () => {
    const { taskId, status } = await run({ command: ['no-such-program-anywhere'] });
    expect(status.state).toBe('failed');
    expect(await readLog(t, taskId)).toMatch(/could not start no-such-program-anywhere: .*ENOENT/);
  });

  it('resolves a task past its maxRunTime as failed, killing it', async () => {
    const started = Date.now();
    const { taskId, status } = await run({ command: ['sh', '-c', 'echo started; sleep 60; echo never'], maxRunTime: 2 });
    expect(status.state).toBe('failed');
    expect(Date.now() - started).toBeLessThan(30_000);
    const log = await readLog(t, taskId);
    expect(taskLines(log)).toEqual(['started']);
    expect(log).toContain('task aborted - max run time exceeded');
  });

  it.each([
    ['no command', { maxRunTime: 10 }, 'command is required'],
    ['a command that is a string', { command: 'echo hi' }, 'command must be a non-empty array'],
    ['a negative maxRunTime', { command: ['true'], maxRunTime: -1 }, 'maxRunTime must be a whole number'],
    ['an artifact outside the folder', { command: ['true'], artifacts: [{ type: 'file', path: '../x', name: 'public/x' }] }, 'must stay inside'],
  ])('resolves a payload with %s as exception/malformed-payload, saying why in the log', async (_what, payload, why) => {
    const { taskId, status } = await run(payload);
    expect(status.state).toBe('exception');
    expect(status.runs).toHaveLength(1);
    expect(status.runs[0].reasonResolved).toBe('malformed-payload');
    const log = await readLog(t, taskId);
    expect(log).toContain('malformed payload');
    expect(log).toContain(why);
  });

  it('uploads file and directory artifacts, which can then be downloaded', async () => {
    const script = 'mkdir -p out/sub && echo a > out/a.txt && echo b > out/sub/b.txt && echo \'{"ok":true}\' > report.json';
    const { taskId, status } = await run({
      command: ['sh', '-c', script],
      artifacts: [
        { type: 'file', path: 'report.json', name: 'public/report.json' },
        { type: 'directory', path: 'out', name: 'public/out' },
      ],
    });
    expect(status.state).toBe('completed');
    const report = await download(t, `/artifacts/${taskId}/0/public/report.json`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toBe('application/json');
    expect(await json(report)).toEqual({ ok: true });
    expect(await (await download(t, `/artifacts/${taskId}/0/public/out/a.txt`)).text()).toBe('a\n');
    expect(await (await download(t, `/artifacts/${taskId}/0/public/out/sub/b.txt`)).text()).toBe('b\n');
    const names = await t.ok(`query ($t: ID!) { artifacts(taskId: $t, runId: 0) { edges { node { name storageType } } } }`, { t: taskId });
    expect(names.artifacts.edges.map((e: any) => e.node.name)).toEqual(['public/logs/live.log', 'public/out/a.txt', 'public/out/sub/b.txt', 'public/report.json']);
  });

  it('fails the task when an artifact is missing, with an error artifact saying so', async () => {
    const { taskId, status } = await run({ command: ['true'], artifacts: [{ type: 'file', path: 'nothing-here.txt', name: 'public/missing.txt' }] });
    expect(status.state).toBe('failed');
    const missing = await download(t, `/artifacts/${taskId}/0/public/missing.txt`);
    expect(missing.status).toBe(424);
    expect(await json(missing)).toEqual({ reason: 'file-missing-on-worker', message: 'nothing-here.txt was not found' });
  });

  it('refuses an artifact that leads outside the task folder through a link', async () => {
    const { taskId, status } = await run({ command: ['ln', '-s', '/etc/hostname', 'escape'], artifacts: [{ type: 'file', path: 'escape', name: 'public/escape' }] });
    expect(status.state).toBe('failed');
    expect((await json(await download(t, `/artifacts/${taskId}/0/public/escape`))).reason).toBe('invalid-resource-on-worker');
  });

  it('keeps caches between tasks on one worker, and gives each task a fresh folder', async () => {
    const caches = [{ cacheName: 'test-cache', directory: 'cache/dir' }];
    const first = await run({ command: ['sh', '-c', 'echo kept > cache/dir/file && echo stray > stray'], caches });
    expect(first.status.state).toBe('completed');
    const second = await run({ command: ['sh', '-c', 'cat cache/dir/file; ls'], caches });
    expect(second.status.state).toBe('completed');
    expect(taskLines(await readLog(t, second.taskId))).toEqual(['kept', 'cache']);
    const without = await run({ command: ['sh', '-c', 'ls -A | wc -l'] });
    expect(taskLines(await readLog(t, without.taskId)).map((l) => l.trim())).toEqual(['0']);
  });

  it('gives the task its env, its ids and a proxy URL, and never the worker’s credentials', async () => {
    const script = 'echo "$GREETING $TASK_ID $RUN_ID"; echo "token=${TASKGATE_ACCESS_TOKEN:-none} client=${TASKGATE_CLIENT_ID:-none}"; echo "$TASKCLUSTER_PROXY_URL"';
    const { taskId, status } = await run({ command: ['sh', '-c', script], env: { GREETING: 'hi' } });
    expect(status.state).toBe('completed');
    const [ids, credentials, proxy] = taskLines(await readLog(t, taskId));
    expect(ids).toBe(`hi ${taskId} 0`);
    expect(credentials).toBe('token=none client=none');
    expect(proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('claims one task at a time with capacity 1', async () => {
    const script = 'date +%s%N; sleep 0.3; date +%s%N';
    const tasks = await Promise.all([1, 2, 3].map(() => createWorkTask(t, pool, { command: ['sh', '-c', script] })));
    const spans = [];
    for (const task of tasks) {
      await waitForTask(t, task.taskId, isState('completed'));
      const [start, end] = taskLines(await readLog(t, task.taskId)).map((n) => BigInt(n));
      spans.push([start, end]);
    }
    spans.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (let i = 1; i < spans.length; i++) expect(spans[i][0] >= spans[i - 1][1]).toBe(true);
  });
  it('runs up to its capacity at once, each task in its own folder with its own copy of a cache', async () => {
    const widePool = uniqueQueue();
    const wide = spawnWorker(t, { pool: widePool, client: await makeWorkerClient(t, widePool), capacity: 2 });
    const script = 'date +%s%N; echo mine > cache/file; sleep 2; cat cache/file; ls | wc -l; date +%s%N';
    const tasks = await Promise.all([1, 2].map(() => createWorkTask(t, widePool, { command: ['sh', '-c', script], caches: [{ cacheName: 'shared', directory: 'cache' }] })));
    const spans = [];
    for (const task of tasks) {
      const done = await waitForTask(t, task.taskId).catch((error) => {
        throw new Error(`${error.message}\n${wide.output().slice(-3000)}`);
      });
      expect(done.state).toBe('completed');
      const [start, mine, files, end] = taskLines(await readLog(t, task.taskId));
      expect([mine, files.trim()]).toEqual(['mine', '1']);
      spans.push([BigInt(start), BigInt(end)]);
    }
    // The two ran at the same time.
    expect(spans[0][0] < spans[1][1] && spans[1][0] < spans[0][1]).toBe(true);
  });

  it('rides out a gateway that is briefly unreachable: the run is resolved once, with every line once', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: t.gateway.port });
    try {
      const outagePool = uniqueQueue();
      const outageWorker = spawnWorker(t, { pool: outagePool, client: await makeWorkerClient(t, outagePool), url: `http://127.0.0.1:${proxy.port}/graphql` });
      const script = 'let i = 0; const timer = setInterval(() => { console.log(`tick ${i}`); if (++i === 30) clearInterval(timer); }, 150);';
      const task = await createWorkTask(t, outagePool, { command: nodeCommand(script) });
      const deadline = Date.now() + 30_000;
      while (!(await readLog(t, task.taskId).catch(() => '')).includes('tick 3')) {
        if (Date.now() > deadline) throw new Error(`the task never started:\n${outageWorker.output().slice(-4000)}`);
        await sleep(50);
      }
      await proxy.cut();
      await sleep(3000);
      await proxy.restore();
      const done = await waitForTask(t, task.taskId);
      expect(done.state).toBe('completed');
      expect(done.runs).toHaveLength(1);
      const expected = Array.from({ length: 30 }, (_, i) => `tick ${i}`);
      expect(taskLines(await readLog(t, task.taskId))).toEqual(expected);
      // What was streamed (stored line by line at the gateway) has every line once too.
      const stored = await t.core.db.query(`SELECT text FROM task_log_chunks WHERE task_id = ? ORDER BY first_line`, [task.taskId]);
      expect(taskLines(stored.map((row: { text: string }) => row.text).join('\n'))).toEqual(expected);
      expect(outageWorker.output()).toMatch(/failed; retrying/);
    } finally {
      await proxy.close();
    }
  });
});
