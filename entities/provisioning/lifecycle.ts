// Worker state changes, each a conditional write: `UPDATE … WHERE state IN (…)`. Zero rows means
// someone else moved the worker first; the caller re-reads if it cares. Used by the provisioner
// (requested, stopping, stopped) and by registerWorker (running).
import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { generateAccessToken, hashAccessToken } from '../auth/tokens';
import type { Core } from '../core';
import { timeParam } from '../db/columns';
import { inTransaction } from '../db/transaction';
import type { LaunchConfig, WorkerPoolConfig } from './pool-config';
import type { ProviderData } from './Worker';
import { Worker } from './Worker';
import { WorkerPoolError } from './WorkerPoolError';
import type { WorkerState } from './rules';

export interface RequestedWorker {
  worker: Worker;
  /** Shown once, to the process that will register with it; only its hash is stored. */
  registrationToken: string;
}

/** A worker id: `w-` and 20 random lowercase letters and digits (fits the 38-character limit). */
export function newWorkerId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(20);
  let id = 'w-';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/** Creates a `requested` worker with a one-time registration token. */
export async function requestWorker(
  core: Core,
  props: {
    workerPoolId: string;
    workerGroup: string;
    workerId?: string;
    providerId: string;
    launchConfig: LaunchConfig;
    config: WorkerPoolConfig;
    providerData?: ProviderData;
  },
): Promise<RequestedWorker> {
  const now = core.clock.now();
  const registrationToken = generateAccessToken();
  const worker = Object.assign(new Worker(), {
    workerPoolId: props.workerPoolId,
    workerGroup: props.workerGroup,
    workerId: props.workerId ?? newWorkerId(),
    providerId: props.providerId,
    launchConfigId: props.launchConfig.launchConfigId,
    capacity: props.launchConfig.capacityPerInstance,
    state: 'requested' as const,
    registrationTokenHash: hashAccessToken(registrationToken),
    registrationDeadline: new Date(now.getTime() + props.config.lifecycle.registrationTimeout * 1000),
    registered: null,
    lastActive: null,
    expires: null,
    stopReason: null,
    providerData: props.providerData ?? {},
    created: now,
    lastModified: now,
  });
  await inTransaction(core.db, async (tx) => {
    const result = await tx.getRepository(Worker).insert(worker);
    worker.id = Number(result.identifiers[0]?.id ?? worker.id);
  });
  return { worker, registrationToken };
}

/** Moves a worker to `to` if it is in one of `from`; true when this call moved it. */
export async function moveWorker(
  core: Core,
  worker: { id: number },
  from: WorkerState[],
  to: WorkerState,
  changes: {
    stopReason?: string;
    providerData?: ProviderData;
    /** Only if the worker has not been active since (claimWork records activity in its transaction). */
    idleBefore?: Date;
  } = {},
  tx?: EntityManager,
): Promise<boolean> {
  const run = async (m: EntityManager) => {
    const set: Partial<Worker> = { state: to, lastModified: core.clock.now() };
    if (changes.stopReason !== undefined) set.stopReason = changes.stopReason;
    if (changes.providerData !== undefined) set.providerData = changes.providerData;
    // A worker that stops can no longer register.
    if (to === 'stopping' || to === 'stopped') set.registrationTokenHash = null;
    const update = m.getRepository(Worker).createQueryBuilder().update().set(set).where('id = :id AND state IN (:...from)', { id: worker.id, from });
    if (changes.idleBefore) update.andWhere('(last_active IS NULL OR last_active < :idleBefore)', { idleBefore: timeParam(m.connection, changes.idleBefore) });
    const result = await update.execute();
    return (result.affected ?? 0) > 0;
  };
  return tx ? run(tx) : inTransaction(core.db, run);
}

/** Records a pool error; launch errors lower their launch config's weight for a while. */
export async function recordPoolError(
  core: Core,
  props: { workerPoolId: string; launchConfigId: string | null; kind: string; title: string; description: string; extra?: Record<string, unknown> },
): Promise<void> {
  const row = Object.assign(new WorkerPoolError(), {
    workerPoolId: props.workerPoolId,
    launchConfigId: props.launchConfigId,
    kind: props.kind,
    title: props.title.slice(0, 255),
    description: props.description.slice(0, 10_000),
    extra: props.extra ?? {},
    reported: core.clock.now(),
  });
  await inTransaction(core.db, (tx) => tx.getRepository(WorkerPoolError).save(row));
}
