// Worker pools through the API: create, read, list, update, delete; their scopes (Taskcluster's
// worker-manager scopes) and the no-escalation rule; validation; the audit history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Provisioner } from '../../cron/provisioning/provisioner';
import { databaseKinds } from '../support/databases';
import { makeClient, makeRole, uniqueId } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { CREATE_POOL, createPool, DELETE_POOL, GET_POOL, LIST_ERRORS, LIST_WORKERS, makePool, UPDATE_POOL, uniquePoolId } from './support';

const LIST_POOLS = `query ($first: Int, $after: String) { workerPools(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { workerPoolId } } }`;
const AUDIT = `query ($id: String!) { auditHistory(entityType: "worker-pool", entityId: $id) { nodes { action clientId } } }`;

describe.each(databaseKinds)('worker pools on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a pool with every default filled in and reads it back', async () => {
    const id = uniquePoolId();
    const created = await createPool(t, id, makePool({}, { maxCapacity: 3 }));
    expect(created).toMatchObject({
      workerPoolId: id,
      providerId: 'local',
      description: 'a test pool',
      owner: 'tests@example.com',
      config: {
        minCapacity: 0,
        maxCapacity: 3,
        scalingRatio: 1,
        lifecycle: { registrationTimeout: 1800, queueInactivityTimeout: 7200, reregistrationTimeout: 345600 },
      },
    });
    // Without launch configs, one default config.
    expect(created.config.launchConfigs).toEqual([
      { launchConfigId: expect.stringMatching(/^lc-[0-9a-f]{16}$/), capacityPerInstance: 1, initialWeight: 1, maxCapacity: 3, costPerHour: null, env: {} },
    ]);
    const read = (await t.ok(GET_POOL, { id }, t.root)).workerPool;
    expect(read).toMatchObject({ ...created, stats: { pendingTasks: 0, claimedTasks: 0, currentCapacity: 0, runningCount: 0 } });
  });

  it('answers null for a pool that does not exist', async () => {
    expect((await t.ok(GET_POOL, { id: uniquePoolId() }, t.root)).workerPool).toBeNull();
  });

  it('refuses to create a pool that exists', async () => {
    const id = uniquePoolId();
    await createPool(t, id);
    expect(errorCode(await t.gql(CREATE_POOL, { id, pool: makePool() }, t.root))).toBe('CONFLICT');
  });

  it('keeps a launch config’s derived id across updates when its content is unchanged', async () => {
    const id = uniquePoolId();
    const launchConfigs = [{ costPerHour: 1 }, { costPerHour: 2, env: { A: 'b' } }];
    const created = await createPool(t, id, makePool({}, { launchConfigs }));
    const updated = (await t.ok(UPDATE_POOL, { id, pool: makePool({ description: 'changed' }, { launchConfigs }) }, t.root)).updateWorkerPool;
    expect(updated.description).toBe('changed');
    expect(updated.config.launchConfigs.map((lc: any) => lc.launchConfigId)).toEqual(created.config.launchConfigs.map((lc: any) => lc.launchConfigId));
    expect(new Set(created.config.launchConfigs.map((lc: any) => lc.launchConfigId)).size).toBe(2);
  });

  it('replaces the whole definition on update', async () => {
    const id = uniquePoolId();
    await createPool(t, id, makePool({}, { minCapacity: 1, maxCapacity: 4, lifecycle: { queueInactivityTimeout: 60 } }));
    const updated = (await t.ok(UPDATE_POOL, { id, pool: makePool({}, { maxCapacity: 5, launchConfigs: [{ launchConfigId: 'big', capacityPerInstance: 2 }] }) }, t.root))
      .updateWorkerPool;
    expect(updated.config).toMatchObject({ minCapacity: 0, maxCapacity: 5, lifecycle: { queueInactivityTimeout: 7200 } });
    expect(updated.config.launchConfigs).toEqual([{ launchConfigId: 'big', capacityPerInstance: 2, initialWeight: 1, maxCapacity: 5, costPerHour: null, env: {} }]);
  });

  it('answers NOT_FOUND when updating or deleting a pool that does not exist', async () => {
    const id = uniquePoolId();
    expect(errorCode(await t.gql(UPDATE_POOL, { id, pool: makePool() }, t.root))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(DELETE_POOL, { id }, t.root))).toBe('NOT_FOUND');
  });

  it('marks a deleted pool with null-provider, then the provisioner removes it once it has no workers', async () => {
    const id = uniquePoolId();
    await createPool(t, id);
    const deleted = (await t.ok(DELETE_POOL, { id }, t.root)).deleteWorkerPool;
    expect(deleted.providerId).toBe('null-provider');
    // Deleting again changes nothing.
    expect((await t.ok(DELETE_POOL, { id }, t.root)).deleteWorkerPool.providerId).toBe('null-provider');
    // A marked pool can be revived by an update.
    expect((await t.ok(UPDATE_POOL, { id, pool: makePool() }, t.root)).updateWorkerPool.providerId).toBe('local');
    await t.ok(DELETE_POOL, { id }, t.root);
    const provisioner = new Provisioner(t.core, { gatewayUrl: t.url });
    try {
      await provisioner.provisionPool(id);
    } finally {
      await provisioner.close();
    }
    expect((await t.ok(GET_POOL, { id }, t.root)).workerPool).toBeNull();
    expect((await t.ok(AUDIT, { id }, t.root)).auditHistory.nodes).toEqual([
      { action: 'created', clientId: 'root' },
      { action: 'deleted', clientId: 'root' },
      { action: 'updated', clientId: 'root' },
      { action: 'deleted', clientId: 'root' },
      { action: 'removed', clientId: null },
    ]);
  });

  it('lists pools in workerPoolId order, page by page', async () => {
    const prefix = uniqueId('listing').replace(/[^a-z0-9-]/gi, '');
    const ids = [`${prefix}/c`, `${prefix}/a`, `${prefix}/b`];
    for (const id of ids) await createPool(t, id);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await t.ok(LIST_POOLS, { first: 2, after }, t.root)).workerPools;
      seen.push(...page.nodes.map((n: any) => n.workerPoolId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual([`${prefix}/a`, `${prefix}/b`, `${prefix}/c`]);
    expect([...seen].sort()).toEqual(seen);
  });

  describe('validation', () => {
    const bad: [string, string, any][] = [
      ['a pool id that is not <provisionerId>/<workerType>', 'no-slash', makePool()],
      ['an unknown provider', '', makePool({ providerId: 'aws' })],
      ['minCapacity above maxCapacity', '', makePool({}, { minCapacity: 3, maxCapacity: 2 })],
      ['a negative maxCapacity', '', makePool({}, { maxCapacity: -1 })],
      ['a scalingRatio above 1', '', makePool({}, { scalingRatio: 1.5 })],
      ['two launch configs with one id', '', makePool({}, { launchConfigs: [{ launchConfigId: 'x' }, { launchConfigId: 'x', initialWeight: 2 }] })],
      ['two identical launch configs without ids', '', makePool({}, { launchConfigs: [{}, {}] })],
      ['a worker bigger than the pool', '', makePool({}, { maxCapacity: 2, launchConfigs: [{ capacityPerInstance: 3 }] })],
      ['a price of 0', '', makePool({}, { launchConfigs: [{ costPerHour: 0 }] })],
      ['an env value that is not a string', '', makePool({}, { launchConfigs: [{ env: { A: 1 } }] })],
      ['an env name that is not a variable name', '', makePool({}, { launchConfigs: [{ env: { 'A-B': 'x' } }] })],
      ['a queueInactivityTimeout of 0', '', makePool({}, { lifecycle: { queueInactivityTimeout: 0 } })],
      ['credentials lasting more than 31 days', '', makePool({}, { lifecycle: { reregistrationTimeout: 32 * 86400 } })],
    ];
    it.each(bad)('refuses %s with BAD_USER_INPUT', async (_what, id, pool) => {
      const result = await t.gql(CREATE_POOL, { id: id || uniquePoolId(), pool }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
    });
  });

  describe('scopes', () => {
    it('needs manage-worker-pool, the provider, and the scopes the pool’s workers get', async () => {
      const id = uniquePoolId();
      const client = await makeClient(t, { scopes: [`worker-manager:manage-worker-pool:${id}`, 'worker-manager:provider:local'] });
      const result = await t.gql(CREATE_POOL, { id, pool: makePool() }, client.auth);
      expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
      // No escalation: its workers would claim from the queue and assume the pool's role.
      expect(result.errors![0].extensions!.details.missing).toEqual([`queue:claim-work:${id}`, `assume:worker-pool:${id}`]);
      expect((await t.ok(GET_POOL, { id }, t.root)).workerPool).toBeNull();
    });

    it('lets a client holding all of them create the pool, and records who did', async () => {
      const id = uniquePoolId();
      const client = await makeClient(t, {
        scopes: [`worker-manager:manage-worker-pool:${id}`, 'worker-manager:provider:local', `queue:claim-work:${id}`, `assume:worker-pool:${id}`],
      });
      await createPool(t, id, makePool(), client.auth);
      expect((await t.ok(AUDIT, { id }, t.root)).auditHistory.nodes).toEqual([{ action: 'created', clientId: client.clientId }]);
    });

    it('grants pool management through a parameterized role, for a project’s pools only', async () => {
      const project = uniqueId('proj').replace(/[^a-z0-9-]/gi, '');
      const roleBase = uniqueId('pool-admin');
      await makeRole(t, `${roleBase}:*`, [
        'worker-manager:manage-worker-pool:<..>/*',
        'worker-manager:provider:local',
        'queue:claim-work:<..>/*',
        'assume:worker-pool:<..>/*',
      ]);
      const client = await makeClient(t, { scopes: [`assume:${roleBase}:${project}`] });
      await createPool(t, `${project}/builds`, makePool(), client.auth);
      expect(errorCode(await t.gql(CREATE_POOL, { id: `other-${project}/builds`, pool: makePool() }, client.auth))).toBe('INSUFFICIENT_SCOPES');
    });

    it('needs the provider scope of the new provider to update, and only manage-worker-pool to delete', async () => {
      const id = uniquePoolId();
      await createPool(t, id);
      const manager = await makeClient(t, { scopes: [`worker-manager:manage-worker-pool:${id}`] });
      const update = await t.gql(UPDATE_POOL, { id, pool: makePool() }, manager.auth);
      expect(errorCode(update)).toBe('INSUFFICIENT_SCOPES');
      expect(update.errors![0].extensions!.details.missing).toEqual(['worker-manager:provider:local']);
      expect((await t.ok(DELETE_POOL, { id }, manager.auth)).deleteWorkerPool.providerId).toBe('null-provider');
      const stranger = await makeClient(t);
      expect(errorCode(await t.gql(DELETE_POOL, { id }, stranger.auth))).toBe('INSUFFICIENT_SCOPES');
    });

    it('needs get-worker-pool, list-worker-pools, list-workers and list-worker-pool-errors to read', async () => {
      const id = uniquePoolId();
      await createPool(t, id);
      const nobody = await makeClient(t);
      expect(errorCode(await t.gql(GET_POOL, { id }, nobody.auth))).toBe('INSUFFICIENT_SCOPES');
      expect(errorCode(await t.gql(GET_POOL, { id }))).toBe('INSUFFICIENT_SCOPES');
      expect(errorCode(await t.gql(LIST_POOLS, {}, nobody.auth))).toBe('INSUFFICIENT_SCOPES');
      expect(errorCode(await t.gql(LIST_WORKERS, { id }, nobody.auth))).toBe('INSUFFICIENT_SCOPES');
      expect(errorCode(await t.gql(LIST_ERRORS, { id }, nobody.auth))).toBe('INSUFFICIENT_SCOPES');
      const reader = await makeClient(t, {
        scopes: [`worker-manager:get-worker-pool:${id}`, 'worker-manager:list-worker-pools', `worker-manager:list-workers:${id}`, `worker-manager:list-worker-pool-errors:${id}`],
      });
      expect((await t.ok(GET_POOL, { id }, reader.auth)).workerPool.workerPoolId).toBe(id);
      expect((await t.ok(LIST_POOLS, { first: 1000 }, reader.auth)).workerPools.totalCount).toBeGreaterThan(0);
      expect((await t.ok(LIST_WORKERS, { id }, reader.auth)).workers.totalCount).toBe(0);
      expect((await t.ok(LIST_ERRORS, { id }, reader.auth)).workerPoolErrors.totalCount).toBe(0);
    });
  });
});
