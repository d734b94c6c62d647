// The provisioner's judgement of workers, without worker processes: requested workers that never
// register, workers silent past queueInactivityTimeout, workers of a deleted pool, and the lease
// that lets one cron process provision a pool at a time. Passes are run directly, as the cron job
// runs them; pools have maxCapacity 0 so no process is started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Provisioner } from '../../cron/provisioning/provisioner';
import { WORKER_GROUP } from '../../cron/provisioning/providers/local';
import { requestWorker } from '../../entities/provisioning/lifecycle';
import { normalizePoolConfig } from '../../entities/provisioning/pool-config';
import { authenticate } from '../../entities/auth/authenticate';
import { claimWork } from '../../entities/queue/commands/claim-work';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { CLAIM_WORK, createTask, report, sleep, status } from '../support/tasks';
import { createPool, DELETE_POOL, GET_POOL, makePool, poolErrors, poolWorkers, REGISTER, uniquePoolId } from './support';

const REMOVE = `mutation ($p: String!, $g: String!, $w: String!) { removeWorker(workerPoolId: $p, workerGroup: $g, workerId: $w) { state } }`;

/** A caller holding every scope, as root's credentials give. */
function rootCaller() {
  return { clientId: 'root', scopes: ['*'], temporary: false };
}

function bearer(credentials: { clientId: string; accessToken: string; certificate: string }): string {
  return Buffer.from(JSON.stringify(credentials)).toString('base64url');
}

describe.each(databaseKinds)('worker lifecycle on %s', (kind) => {
  let t: TestGateway;
  let provisioner: Provisioner;
  beforeAll(async () => {
    t = await startTestGateway(kind);
    provisioner = new Provisioner(t.core, { gatewayUrl: t.url });
  });
  afterAll(async () => {
    await provisioner?.close();
    await t?.close();
  });

  async function poolWithWorker(lifecycle: Record<string, number>, register = true) {
    const workerPoolId = uniquePoolId();
    const pool = await createPool(t, workerPoolId, makePool({}, { maxCapacity: 0, lifecycle }));
    const config = normalizePoolConfig(pool.config);
    const { worker, registrationToken } = await requestWorker(t.core, {
      workerPoolId,
      workerGroup: WORKER_GROUP,
      providerId: 'local',
      launchConfig: config.launchConfigs[0],
      config,
    });
    let auth: string | undefined;
    if (register) {
      const registration = await t.ok(REGISTER, { p: workerPoolId, g: worker.workerGroup, w: worker.workerId, token: registrationToken });
      auth = bearer(registration.registerWorker.credentials);
    }
    return { workerPoolId, worker, auth, launchConfigId: config.launchConfigs[0].launchConfigId };
  }

  it('stops a worker that did not register within registrationTimeout, and records it against its launch config', async () => {
    const { workerPoolId, launchConfigId } = await poolWithWorker({ registrationTimeout: 1 }, false);
    await provisioner.provisionPool(workerPoolId);
    expect((await poolWorkers(t, workerPoolId))[0].state).toBe('requested');
    await sleep(1100);
    await provisioner.provisionPool(workerPoolId);
    expect((await poolWorkers(t, workerPoolId))[0]).toMatchObject({ state: 'stopped', stopReason: 'registration-timeout' });
    expect(await poolErrors(t, workerPoolId)).toEqual([expect.objectContaining({ kind: 'registration-timeout', launchConfigId })]);
  });

  it('stops a worker silent past queueInactivityTimeout', async () => {
    const { workerPoolId } = await poolWithWorker({ queueInactivityTimeout: 1 });
    await sleep(1100);
    await provisioner.provisionPool(workerPoolId);
    expect((await poolWorkers(t, workerPoolId))[0]).toMatchObject({ state: 'stopped', stopReason: 'inactive' });
  });

  it('keeps a worker that runs a task past the timeout, and one that just finished a task', async () => {
    const timeoutMs = 2000;
    const { workerPoolId, worker, auth } = await poolWithWorker({ queueInactivityTimeout: timeoutMs / 1000 });
    await createTask(t, { taskQueueId: workerPoolId });
    const [c] = (await t.ok(CLAIM_WORK, { q: workerPoolId, g: worker.workerGroup, w: worker.workerId, n: 1 }, auth)).claimWork;
    const taskAuth = bearer(c.credentials);
    await sleep(timeoutMs + 200);
    await provisioner.provisionPool(workerPoolId);
    expect((await poolWorkers(t, workerPoolId))[0].state).toBe('running');

    await report(t, 'reportCompleted', c.task.taskId, c.runId, taskAuth);
    const resolved = Date.now();
    await provisioner.provisionPool(workerPoolId);
    // Asserted only when the pass came in time: the test never depends on this machine's speed.
    if (Date.now() - resolved < timeoutMs - 200) expect((await poolWorkers(t, workerPoolId))[0].state).toBe('running');

    await sleep(timeoutMs + 200);
    await provisioner.provisionPool(workerPoolId);
    expect((await poolWorkers(t, workerPoolId))[0]).toMatchObject({ state: 'stopped', stopReason: 'inactive' });
  });

  it('gives no task to a worker its pool is stopping, and leaves the task pending for others', async () => {
    const { workerPoolId, worker, auth } = await poolWithWorker({});
    const task = await createTask(t, { taskQueueId: workerPoolId });
    await t.ok(REMOVE, { p: workerPoolId, g: worker.workerGroup, w: worker.workerId }, t.root);
    // The command itself, as the worker's request would call it, but without the 20-second long poll.
    const caller = await authenticate(t.core, { credentials: JSON.parse(Buffer.from(auth!, 'base64url').toString()) });
    const claims = await claimWork({ core: t.core, caller }, { taskQueueId: workerPoolId, workerGroup: worker.workerGroup, workerId: worker.workerId, waitMs: 0 });
    expect(claims).toEqual([]);
    expect((await status(t, task.taskId)).state).toBe('pending');
    // Any other worker of the queue takes it.
    expect(await claimWork({ core: t.core, caller: rootCaller() }, { taskQueueId: workerPoolId, workerGroup: 'other', workerId: 'w-other', waitMs: 0 })).toHaveLength(1);
  });

  it('stops the workers of a deleted pool, then removes the pool', async () => {
    const { workerPoolId } = await poolWithWorker({});
    await t.ok(DELETE_POOL, { id: workerPoolId }, t.root);
    await provisioner.provisionPool(workerPoolId);
    expect((await t.ok(GET_POOL, { id: workerPoolId }, t.root)).workerPool).toBeNull();
    expect(await poolWorkers(t, workerPoolId)).toEqual([]);
  });

  it('lets one provisioner at a time provision a pool: the lease holder, until it lets go', async () => {
    // Two provisioners with the same database connection: the conditional UPDATE decides, as it
    // does between cron processes (test/workers/pools-leases.test.ts runs two real ones).
    const workerPoolId = uniquePoolId();
    await createPool(t, workerPoolId, makePool({}, { maxCapacity: 0 }));
    const first = new Provisioner(t.core, { gatewayUrl: t.url, owner: 'cron-a' });
    const second = new Provisioner(t.core, { gatewayUrl: t.url, owner: 'cron-b' });
    try {
      const both = await Promise.all([first.provisionPool(workerPoolId), second.provisionPool(workerPoolId)]);
      expect(both.filter((r) => r !== undefined)).toHaveLength(1);
      const holder = both[0] ? first : second;
      const other = both[0] ? second : first;
      // The holder renews; the other keeps out.
      expect(await holder.provisionPool(workerPoolId)).toBeDefined();
      expect(await other.provisionPool(workerPoolId)).toBeUndefined();
      await holder.close();
      expect(await other.provisionPool(workerPoolId)).toBeDefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});
