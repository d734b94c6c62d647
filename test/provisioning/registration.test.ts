// Registration: a requested worker exchanges its one-time token for credentials of its pool only.
// Workers are requested through the same core function the provisioner uses; registering goes
// through the API, as a worker process does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestWorker } from '../../entities/provisioning/lifecycle';
import { normalizePoolConfig } from '../../entities/provisioning/pool-config';
import { WORKER_GROUP } from '../../cron/provisioning/providers/local';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { CLAIM_WORK, createTask, sleep } from '../support/tasks';
import { createPool, makePool, poolWorkers, REGISTER, uniquePoolId } from './support';

const REMOVE = `mutation ($p: String!, $g: String!, $w: String!) { removeWorker(workerPoolId: $p, workerGroup: $g, workerId: $w) { state stopReason } }`;

function bearer(credentials: { clientId: string; accessToken: string; certificate: string }): string {
  return Buffer.from(JSON.stringify(credentials)).toString('base64url');
}

describe.each(databaseKinds)('worker registration on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A pool and one requested worker in it, with its token. */
  async function requested(config: Record<string, any> = {}) {
    const workerPoolId = uniquePoolId();
    const pool = await createPool(t, workerPoolId, makePool({}, config));
    const normalized = normalizePoolConfig(pool.config);
    const { worker, registrationToken } = await requestWorker(t.core, {
      workerPoolId,
      workerGroup: WORKER_GROUP,
      providerId: 'local',
      launchConfig: normalized.launchConfigs[0],
      config: normalized,
    });
    return { workerPoolId, worker, token: registrationToken, vars: { p: workerPoolId, g: worker.workerGroup, w: worker.workerId, token: registrationToken } };
  }

  it('turns a requested worker running and gives it credentials for its pool', async () => {
    const { workerPoolId, worker, vars } = await requested();
    expect((await poolWorkers(t, workerPoolId))[0]).toMatchObject({ workerId: worker.workerId, state: 'requested', registered: null });
    const registration = (await t.ok(REGISTER, vars)).registerWorker;
    expect(registration).toMatchObject({ workerPoolId, workerGroup: 'local', workerId: worker.workerId });
    expect(registration.credentials.clientId).toBe(`worker/${workerPoolId}/local/${worker.workerId}`);
    // Four days by default (lifecycle.reregistrationTimeout).
    expect(new Date(registration.expires).getTime() - Date.now()).toBeGreaterThan(4 * 86_400_000 - 60_000);
    const [row] = await poolWorkers(t, workerPoolId);
    expect(row).toMatchObject({ state: 'running', registered: expect.any(String), lastActive: expect.any(String), expires: registration.expires });

    const scopes = (await t.ok('{ currentScopes }', {}, bearer(registration.credentials))).currentScopes;
    expect(scopes).toEqual(
      expect.arrayContaining([
        `queue:claim-work:${workerPoolId}`,
        `queue:worker-id:local/${worker.workerId}`,
        `assume:worker-pool:${workerPoolId}`,
        `worker-manager:remove-worker:${workerPoolId}/local/${worker.workerId}`,
      ]),
    );
  });

  it('lets the credentials claim from the worker’s pool as that worker, and records the activity', async () => {
    const { workerPoolId, worker, vars } = await requested();
    const auth = bearer((await t.ok(REGISTER, vars)).registerWorker.credentials);
    const before = (await poolWorkers(t, workerPoolId))[0].lastActive;
    await createTask(t, { taskQueueId: workerPoolId });
    await sleep(20);
    const claims = (await t.ok(CLAIM_WORK, { q: workerPoolId, g: 'local', w: worker.workerId, n: 1 }, auth)).claimWork;
    expect(claims).toHaveLength(1);
    expect(new Date((await poolWorkers(t, workerPoolId))[0].lastActive).getTime()).toBeGreaterThan(new Date(before).getTime());
  });

  it('refuses the credentials for another pool or another worker id', async () => {
    const { worker, vars } = await requested();
    const other = await requested();
    const auth = bearer((await t.ok(REGISTER, vars)).registerWorker.credentials);
    expect(errorCode(await t.gql(CLAIM_WORK, { q: other.workerPoolId, g: 'local', w: worker.workerId, n: 1 }, auth))).toBe('INSUFFICIENT_SCOPES');
    expect(errorCode(await t.gql(CLAIM_WORK, { q: vars.p, g: 'local', w: other.worker.workerId, n: 1 }, auth))).toBe('INSUFFICIENT_SCOPES');
  });

  it('refuses a token used once already', async () => {
    const { vars } = await requested();
    await t.ok(REGISTER, vars);
    const again = await t.gql(REGISTER, vars);
    expect(errorCode(again)).toBe('UNAUTHENTICATED');
    expect(again.errors![0].message).toMatch(/works once/);
  });

  it('lets only one of two simultaneous registrations with one token succeed', async () => {
    const { vars } = await requested();
    const results = await Promise.all([t.gql(REGISTER, vars), t.gql(REGISTER, vars), t.gql(REGISTER, vars)]);
    expect(results.filter((r) => r.data?.registerWorker).length).toBe(1);
    expect(results.filter((r) => errorCode(r) === 'UNAUTHENTICATED').length).toBe(2);
  });

  it('refuses a wrong token and leaves the worker waiting for the right one', async () => {
    const { workerPoolId, vars } = await requested();
    expect(errorCode(await t.gql(REGISTER, { ...vars, token: `${vars.token.slice(0, -2)}xx` }))).toBe('UNAUTHENTICATED');
    expect((await poolWorkers(t, workerPoolId))[0].state).toBe('requested');
    expect((await t.ok(REGISTER, vars)).registerWorker.workerId).toBe(vars.w);
  });

  it('refuses a token past the pool’s registrationTimeout', async () => {
    const { vars } = await requested({ lifecycle: { registrationTimeout: 1 } });
    await sleep(1100);
    const result = await t.gql(REGISTER, vars);
    expect(errorCode(result)).toBe('EXPIRED');
  });

  it('refuses a worker that registers in another pool, and one that does not exist', async () => {
    const { vars } = await requested();
    const other = await requested();
    expect(errorCode(await t.gql(REGISTER, { ...vars, p: other.workerPoolId }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(REGISTER, { ...vars, w: 'w-nobody' }))).toBe('UNAUTHENTICATED');
    // Its own token still works in its own pool.
    expect((await t.ok(REGISTER, vars)).registerWorker.workerPoolId).toBe(vars.p);
  });

  it('refuses a worker that was stopped before it registered', async () => {
    const { vars } = await requested();
    await t.ok(REMOVE, { p: vars.p, g: vars.g, w: vars.w }, t.root);
    expect(errorCode(await t.gql(REGISTER, vars))).toBe('UNAUTHENTICATED');
  });

  it('lets a worker remove itself, and no other worker', async () => {
    const { vars } = await requested();
    const other = await requested();
    const auth = bearer((await t.ok(REGISTER, vars)).registerWorker.credentials);
    expect(errorCode(await t.gql(REMOVE, { p: other.workerPoolId, g: other.vars.g, w: other.vars.w }, auth))).toBe('INSUFFICIENT_SCOPES');
    expect((await t.ok(REMOVE, { p: vars.p, g: vars.g, w: vars.w }, auth)).removeWorker).toEqual({ state: 'stopping', stopReason: 'removed' });
  });
});
