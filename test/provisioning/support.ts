// Worker-pool helpers for tests: pool definitions through the API, a provisioner running real
// local worker processes, and waiting on what the pool does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import slugid from 'slugid';
import { Provisioner } from '../../cron/provisioning/provisioner';
import type { TestGateway } from '../support/gateway';
import { sleep } from '../support/tasks';

export const LAUNCH_CONFIG_FIELDS = 'launchConfigId capacityPerInstance initialWeight maxCapacity costPerHour env';
export const POOL_FIELDS = `workerPoolId providerId description owner created lastModified
  config { minCapacity maxCapacity scalingRatio launchConfigs { ${LAUNCH_CONFIG_FIELDS} }
    lifecycle { registrationTimeout queueInactivityTimeout reregistrationTimeout } }`;
export const STATS_FIELDS = 'stats { pendingTasks claimedTasks requestedCount runningCount stoppingCount stoppedCount requestedCapacity runningCapacity stoppingCapacity currentCapacity }';
export const WORKER_FIELDS = `workerPoolId workerGroup workerId providerId launchConfigId capacity state stopReason
  created lastModified registrationDeadline registered lastActive expires`;

export const CREATE_POOL = `mutation ($id: String!, $pool: WorkerPoolInput!) { createWorkerPool(workerPoolId: $id, pool: $pool) { ${POOL_FIELDS} } }`;
export const UPDATE_POOL = `mutation ($id: String!, $pool: WorkerPoolInput!) { updateWorkerPool(workerPoolId: $id, pool: $pool) { ${POOL_FIELDS} } }`;
export const DELETE_POOL = `mutation ($id: String!) { deleteWorkerPool(workerPoolId: $id) { ${POOL_FIELDS} } }`;
export const GET_POOL = `query ($id: String!) { workerPool(workerPoolId: $id) { ${POOL_FIELDS} ${STATS_FIELDS} } }`;
export const LIST_WORKERS = `query ($id: String!, $state: String, $first: Int, $after: String) {
  workers(workerPoolId: $id, state: $state, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${WORKER_FIELDS} } } }`;
export const LIST_ERRORS = `query ($id: String!, $lc: String) {
  workerPoolErrors(workerPoolId: $id, launchConfigId: $lc) { totalCount nodes { errorId workerPoolId launchConfigId kind title description extra reported } } }`;
export const REGISTER = `mutation ($p: String!, $g: String!, $w: String!, $token: String!) {
  registerWorker(workerPoolId: $p, workerGroup: $g, workerId: $w, registrationToken: $token) {
    workerPoolId workerGroup workerId expires credentials { clientId accessToken certificate } } }`;

/** A pool id of its own per call (also a task queue id). */
export function uniquePoolId(prefix = 'pools'): string {
  return `${prefix}/p${slugid.v4().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
}

/** A valid pool definition; a test overrides only what it is about. */
export function makePool(overrides: Record<string, any> = {}, config: Record<string, any> = {}) {
  return { providerId: 'local', description: 'a test pool', owner: 'tests@example.com', ...overrides, config: { minCapacity: 0, maxCapacity: 2, ...config } };
}

export async function createPool(t: TestGateway, workerPoolId: string, pool = makePool(), auth = t.root) {
  return (await t.ok(CREATE_POOL, { id: workerPoolId, pool }, auth)).createWorkerPool;
}

export async function poolWorkers(t: TestGateway, workerPoolId: string, state?: string): Promise<any[]> {
  return (await t.ok(LIST_WORKERS, { id: workerPoolId, state, first: 1000 }, t.root)).workers.nodes;
}

export async function poolErrors(t: TestGateway, workerPoolId: string, launchConfigId?: string): Promise<any[]> {
  return (await t.ok(LIST_ERRORS, { id: workerPoolId, lc: launchConfigId }, t.root)).workerPoolErrors.nodes;
}

/** The environment a gateway needs so local workers it provisions can run: PATH, HOME, a folder. */
export function localWorkerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-workers-'));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    LOCAL_WORKERS_DIR: dir,
    LOCAL_WORKER_STOP_GRACE_SECONDS: '10',
    ...extra,
  };
}

/**
 * A provisioner of this test process making passes every `everyMs` until stopped — what the cron
 * job does, with real local worker processes. `stop()` ends its workers and waits for them.
 */
export function runProvisioner(t: TestGateway, options: { everyMs?: number; owner?: string; core?: TestGateway['core'] } = {}) {
  const provisioner = new Provisioner(options.core ?? t.core, { gatewayUrl: t.url, owner: options.owner });
  let stopped = false;
  let passes = 0;
  const errors: unknown[] = [];
  const loop = (async () => {
    while (!stopped) {
      try {
        await provisioner.provisionAll();
      } catch (error) {
        errors.push(error);
      }
      passes += 1;
      await sleep(options.everyMs ?? 500);
    }
  })();
  return {
    provisioner,
    errors,
    get passes() {
      return passes;
    },
    async stop() {
      stopped = true;
      await loop;
      await provisioner.close();
    },
  };
}

/** Polls `check` until it returns a truthy value (returned), failing with `what` after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  ms = 60_000,
  everyMs = 250,
  /** What to say about the state of things when it times out. */
  explain?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const state = explain ? `\n${JSON.stringify(await explain().catch((error) => String(error)), null, 1)}` : '';
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}${state}`);
    }
    await sleep(everyMs);
  }
}
