// Secrets a task reads through its worker's proxy are masked in its log, in what streams to
// subscribers as much as in the final artifact; and a task reads only what its scopes allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { inDays } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueQueue } from '../support/tasks';
import { createWorkTask, killWorkers, makeWorkerClient, nodeCommand, readLog, spawnWorker, taskLines, tempArtifactsUrl, waitForTask, type WorkerProcess } from './worker-process';

const SET_SECRET = 'mutation ($name: String!, $secret: SecretInput!) { setSecret(name: $name, secret: $secret) { name } }';

/** Fetches a secret through the proxy and prints the answer, its status and a value of it. */
function reader(path: string): string[] {
  return nodeCommand(`
    fetch(process.env.TASKCLUSTER_PROXY_URL + ${JSON.stringify(path)}).then(async (response) => {
      const body = await response.json();
      console.log('status ' + response.status);
      console.log(JSON.stringify(body));
      if (body.secret) console.log('the token is ' + body.secret.token + '!');
    });`);
}

describe.each(databaseKinds)('secrets in live logs on %s', (kind) => {
  let t: TestGateway;
  let pool: string;
  let worker: WorkerProcess;
  const artifacts = tempArtifactsUrl();
  const name = 'project/ci/deploy';
  const value = { token: 'hunter2-very-secret', nested: { list: ['second-secret-value', 'ab'] }, number: 12345 };

  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url } });
    pool = uniqueQueue();
    worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool) });
    await t.ok(SET_SECRET, { name, secret: { secret: value, expires: inDays(1) } }, t.root);
  });
  afterAll(async () => {
    await killWorkers();
    await t?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  it('masks every string value of a secret the task read through its proxy', async () => {
    const task = await createWorkTask(t, pool, { command: reader(`/secrets/${name}`) }, { scopes: [`secrets:get:${name}`] });
    const done = await waitForTask(t, task.taskId).catch((error) => {
      throw new Error(`${error.message}\n${worker.output().slice(-3000)}`);
    });
    expect(done.state).toBe('completed');
    const log = await readLog(t, task.taskId);
    const [status, body, sentence] = taskLines(log);
    expect(status).toBe('status 200');
    expect(JSON.parse(body)).toMatchObject({ name, secret: { token: '[secret]', nested: { list: ['[secret]', 'ab'] }, number: 12345 } });
    expect(sentence).toBe('the token is [secret]!');
    expect(log).not.toContain('hunter2');
    expect(log).not.toContain('second-secret-value');
    // What streamed to the gateway was masked before it left the worker.
    const stored = await t.core.db.query('SELECT text FROM task_log_chunks WHERE task_id = ?', [task.taskId]);
    expect(stored.map((row: { text: string }) => row.text).join('\n')).not.toContain('hunter2');
  });

  it('serves Taskcluster’s secrets path too', async () => {
    const task = await createWorkTask(t, pool, { command: reader(`/api/secrets/v1/secret/${name}`) }, { scopes: [`secrets:get:${name}`] });
    await waitForTask(t, task.taskId);
    const [status, body] = taskLines(await readLog(t, task.taskId));
    expect(status).toBe('status 200');
    expect(Object.keys(JSON.parse(body)).sort()).toEqual(['expires', 'secret']);
  });

  it('refuses a secret the task has no scope for, saying which scope is missing', async () => {
    const task = await createWorkTask(t, pool, { command: reader(`/secrets/${name}`) });
    await waitForTask(t, task.taskId);
    const [status, body] = taskLines(await readLog(t, task.taskId));
    expect(status).toBe('status 403');
    expect(JSON.parse(body)).toMatchObject({ code: 'INSUFFICIENT_SCOPES' });
    expect(body).toContain(`secrets:get:${name}`);
  });

  it('answers 404 for a secret that does not exist', async () => {
    const task = await createWorkTask(t, pool, { command: reader('/secrets/project/none') }, { scopes: ['secrets:get:project/none'] });
    await waitForTask(t, task.taskId);
    expect(taskLines(await readLog(t, task.taskId))[0]).toBe('status 404');
  });
});
