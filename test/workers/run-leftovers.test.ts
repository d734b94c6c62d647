// A worker killed outright (SIGKILL) cannot remove its task folder: the next worker started on
// the same work folder does, and leaves alone a folder whose owner process still runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sleep, uniqueQueue } from '../support/tasks';
import { waitFor } from '../provisioning/support';
import { createWorkTask, killOrphans, killWorkers, makeWorkerClient, readLog, recordGroup, spawnWorker, tempArtifactsUrl } from './worker-process';

describe.each(databaseKinds)('task folders of a killed worker on %s', (kind) => {
  let t: TestGateway;
  const artifacts = tempArtifactsUrl();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-leftovers-'));
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url } });
  });
  afterAll(async () => {
    await killWorkers();
    killOrphans();
    await t?.close();
    artifacts.remove();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('are removed when the next worker starts on the same work folder', async () => {
    const pool = uniqueQueue();
    const client = await makeWorkerClient(t, pool);
    const tasks = path.join(workDir, 'tasks');
    // A folder of another worker that is still alive (this test process stands in for it).
    fs.mkdirSync(path.join(tasks, 'of-a-live-worker'), { recursive: true });
    fs.writeFileSync(path.join(tasks, 'of-a-live-worker', 'worker.pid'), String(process.pid));

    const first = spawnWorker(t, { pool, client, env: { TASKGATE_WORK_DIR: workDir } });
    const task = await createWorkTask(t, pool, { command: ['sh', '-c', 'echo "pgid $$"; sleep 300'] });
    const match = await waitFor('the task printed its group', async () => /^pgid (\d+)$/m.exec(await readLog(t, task.taskId).catch(() => '')), 60_000, 100);
    recordGroup(Number(match[1]));
    first.process.kill('SIGKILL');
    await first.exited;
    process.kill(-Number(match[1]), 'SIGKILL');
    const left = fs.readdirSync(tasks).filter((name) => name.startsWith(task.taskId));
    expect(left).toHaveLength(1);

    const second = spawnWorker(t, { pool, client, env: { TASKGATE_WORK_DIR: workDir } });
    await waitFor('the second worker started', async () => second.output().includes('worker started'), 30_000);
    await sleep(100);
    expect(fs.readdirSync(tasks).sort()).toEqual(['of-a-live-worker']);
    expect(second.output()).toContain('removed task folders left by a worker that was killed');
  }, 120_000);
});
