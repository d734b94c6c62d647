// Firing hooks. node-cron only wakes the cron processes up (every second); what is due, and who
// fires it, is decided by the database:
//
// - A scheduled fire is claimed in one transaction that advances the hook's next scheduled date
//   with a conditional update (WHERE next_task_id = the value read) and inserts the fire's row,
//   whose unique (hook, scheduled time) index makes a second fire of one scheduled time
//   impossible. Any number of cron processes, restarted at any moment, fire each time once.
// - The fire's taskId was chosen before the claim (hooks.next_task_id) and its task rendered in
//   the claim, so creating the task afterwards — or again, after a crash or an outage — always
//   creates the same task, at most once (fire-task.ts).
// - A cron that was down finds the fires it missed. Scheduled times less than MISSED_AFTER_MS
//   old are only late: each fires, in order. Older ones were missed: the hook fires once, for
//   the latest of them, and its fire says how many it stands for (`missedFires`).
import slugid from 'slugid';
import { In, LessThan, LessThanOrEqual, Not, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Core } from '../core';
import { inTransaction } from '../db/transaction';
import type { Caller } from '../auth/caller';
import { timeParam } from '../db/columns';
import { DomainError, InputError, ServiceUnavailable } from '../errors';
import { createTaskGraph } from '../queue/commands/create-task';
import { hookCaller } from './caller';
import { attemptFireTask, LEASE_MS, recordOutcomes, type FireOutcome, type PendingFire } from './fire-task';
import { Hook } from './Hook';
import { FiredBy, HookFire } from './HookFire';
import { renderTaskTemplate, taskInputFromRendered, type FireContext } from './render';
import { dueFires, nextFireOfAll, parseSchedules } from './schedule';
import { selectDueHooks } from './sql/due-hooks';

/** A scheduled time later than this is missed rather than late (see above). */
export const MISSED_AFTER_MS = 60_000;
export const FIRE_BATCH = 100;
/** Tasks created at once per cron process, outside batches (MySQL); SQLite's one writer gains nothing from more. */
const CONCURRENCY = { mysql: 8, sqlite: 2 };
/** Batches claimed and created at once per cron process (MySQL). */
const LANES = 4;
/** Fire history is kept this long. */
export const FIRE_HISTORY_MS = 30 * 24 * 3600 * 1000;

export interface FireJobOptions {
  missedAfterMs?: number;
  batch?: number;
}

export interface NewFire {
  firedBy: FiredBy;
  taskId: string;
  now: Date;
  scheduledFor: Date | null;
  missedFires: number;
  payload?: unknown;
  clientId?: string | null;
}

/**
 * A fire's row: the template rendered for it (result `pending`: its task is still to be made),
 * or `no-task` when it renders to null, or `error` with the reason.
 */
export function buildFire(hook: Hook, props: NewFire): { fire: HookFire; error?: InputError } {
  const context: FireContext = { firedBy: props.firedBy, taskId: props.taskId, now: props.now.toISOString() };
  if (props.firedBy !== 'schedule') context.payload = props.payload;
  if (props.firedBy === 'triggerHook') context.clientId = props.clientId ?? null;
  const fields: Omit<HookFire, 'id'> = {
    hookGroupId: hook.hookGroupId,
    hookId: hook.hookId,
    firedBy: props.firedBy,
    taskId: props.taskId,
    scheduledFor: props.scheduledFor,
    firedAt: props.now,
    missedFires: props.missedFires,
    clientId: props.firedBy === 'triggerHook' ? (props.clientId ?? null) : null,
    result: 'pending',
    error: null,
    taskDefinition: null,
    attempts: 1,
    retryAt: new Date(props.now.getTime() + LEASE_MS),
    resolvedAt: null,
  };
  const fire = Object.assign(new HookFire(), fields);
  try {
    const rendered = renderTaskTemplate(hook.taskTemplate, context);
    if (rendered === null) return { fire: Object.assign(fire, { result: 'no-task', retryAt: null, resolvedAt: props.now }) };
    taskInputFromRendered(rendered);
    fire.taskDefinition = rendered;
    return { fire };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { fire: Object.assign(fire, { result: 'error', error: error.message, retryAt: null, resolvedAt: props.now }), error };
  }
}

/** The cron job: fires every due scheduled time, then retries fires whose task is still to be made. */
export async function fireDueHooks(core: Core, options: FireJobOptions = {}): Promise<number> {
  const batch = options.batch ?? FIRE_BATCH;
  const missedAfterMs = options.missedAfterMs ?? MISSED_AFTER_MS;
  let fired = 0;
  // Lanes: while one batch's tasks are being created, the next batch is claimed (SKIP LOCKED
  // keeps them disjoint). SQLite has one writer; a second lane would only wait for it.
  const lanes = core.db.options.type === 'mysql' ? LANES : 1;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let stale = 0; ; ) {
        let fires: HookFire[];
        try {
          ({ fires } = await claimDueFires(core, { batch, missedAfterMs }));
        } catch (error) {
          if (!(error instanceof StaleClaim) || ++stale > 5) throw error;
          core.log.warn({ err: error }, 'claim was stale; reading again');
          continue;
        }
        // Nothing claimed: nothing more is due (or the rest is locked by another lane or cron).
        // A hook that was only late may be due again at once: the next round fires its next time.
        if (fires.length === 0) return;
        fired += fires.length;
        await createTasks(core, fires.filter((f) => f.result === 'pending'));
      }
    }),
  );
  return fired + (await retryPendingFires(core, batch));
}

/** Claims up to `batch` due scheduled fires in one transaction (see the top of this file). */
export async function claimDueFires(core: Core, options: { batch: number; missedAfterMs: number }): Promise<{ selected: number; fires: HookFire[] }> {
  return inTransaction(core.db, async (tx) => {
    const now = core.clock.now();
    const hooks = await selectDueHooks(tx, now, options.batch);
    const claims = hooks.map((hook) => planFire(core, hook, now, options.missedAfterMs)).filter((c) => c !== undefined);
    if (!claims.length) return { selected: hooks.length, fires: [] };
    const advanced = await advanceHooks(tx, claims);
    // Under the row locks (MySQL) or the single writer (SQLite) nothing can have changed them;
    // if something did, the whole batch is rolled back and read again, never half claimed.
    if (advanced !== claims.length) throw new StaleClaim(`${claims.length - advanced} of ${claims.length} hooks changed while being claimed`);
    const fires = claims.flatMap((c) => (c.fire ? [c.fire] : []));
    if (!fires.length) return { selected: hooks.length, fires };
    // IGNORE: a scheduled time that already fired (a clock that went back) is skipped, not an error.
    for (let i = 0; i < fires.length; i += 100) {
      await tx.createQueryBuilder().insert().into(HookFire).values(fires.slice(i, i + 100) as QueryDeepPartialEntity<HookFire>[]).orIgnore().updateEntity(false).execute();
    }
    const inserted = await tx.getRepository(HookFire).find({ select: { taskId: true }, where: { taskId: In(fires.map((f) => f.taskId)) } });
    const kept = new Set(inserted.map((f) => f.taskId));
    for (const fire of fires) {
      if (!kept.has(fire.taskId)) core.log.warn({ hookGroupId: fire.hookGroupId, hookId: fire.hookId, scheduledFor: fire.scheduledFor }, 'scheduled time already fired; skipped');
    }
    return { selected: hooks.length, fires: fires.filter((f) => kept.has(f.taskId)) };
  });
}

class StaleClaim extends Error {}

interface Claim {
  hook: Hook;
  next: Date | null;
  /** Undefined when the hook's schedule is being stopped rather than fired. */
  fire?: HookFire;
}

/** What claiming a due hook means: which scheduled time it fires for, how many it missed, its next. */
function planFire(core: Core, hook: Hook, now: Date, missedAfterMs: number): Claim | undefined {
  const first = hook.nextScheduledDate;
  if (!first || first > now) return undefined;
  const log = core.log.child({ hookGroupId: hook.hookGroupId, hookId: hook.hookId });
  let schedules;
  try {
    schedules = parseSchedules(hook.schedule);
  } catch (error) {
    // Only if what node-cron accepts changed since the hook was saved: stop, loudly, rather than loop.
    log.error({ err: error }, 'hook schedule no longer parses; its schedule is stopped');
    return { hook, next: null };
  }
  let scheduledFor = first;
  let missedFires = 0;
  let next: Date | null;
  if (now.getTime() - first.getTime() > missedAfterMs) {
    const due = dueFires(schedules, first, now);
    [scheduledFor, missedFires, next] = [due.latest, due.skipped, due.next];
    log.warn({ missedFires, scheduledFor }, 'hook missed scheduled fires while no cron ran; it fires once for them');
  } else {
    next = nextFireOfAll(schedules, first);
  }
  const { fire } = buildFire(hook, { firedBy: 'schedule', taskId: hook.nextTaskId, now, scheduledFor, missedFires });
  return { hook, next, fire };
}

/**
 * Moves each hook to its next scheduled fire and a fresh next taskId, in one statement, where
 * its next taskId is still the one read (a conditional write). Answers how many moved.
 */
async function advanceHooks(tx: EntityManager, claims: readonly Claim[]): Promise<number> {
  const params: Record<string, unknown> = {};
  const whens: string[] = [];
  const ids: string[] = [];
  const where: string[] = [];
  claims.forEach((claim, i) => {
    params[`g${i}`] = claim.hook.hookGroupId;
    params[`h${i}`] = claim.hook.hookId;
    params[`t${i}`] = claim.hook.nextTaskId;
    params[`n${i}`] = claim.next === null ? null : timeParam(tx.connection, claim.next);
    params[`i${i}`] = slugid.v4();
    const key = `hook_group_id = :g${i} AND hook_id = :h${i}`;
    whens.push(`WHEN ${key} THEN :n${i}`);
    ids.push(`WHEN ${key} THEN :i${i}`);
    where.push(`(${key} AND next_task_id = :t${i})`);
  });
  const result = await tx
    .createQueryBuilder()
    .update(Hook)
    .set({ nextScheduledDate: () => `CASE ${whens.join(' ')} END`, nextTaskId: () => `CASE ${ids.join(' ')} END` })
    .where(where.join(' OR '))
    .setParameters(params)
    .execute();
  return result.affected ?? 0;
}

/** Fires still pending past their lease (creator gone, database was away): tried again, same taskId. */
export async function retryPendingFires(core: Core, batch = FIRE_BATCH): Promise<number> {
  const now = core.clock.now();
  const repo = core.db.getRepository(HookFire);
  const due = await repo.find({
    select: { id: true, hookGroupId: true, hookId: true, taskId: true, taskDefinition: true, attempts: true },
    where: { result: 'pending', retryAt: LessThanOrEqual(now) },
    order: { retryAt: 'ASC' },
    take: batch,
  });
  const mine: PendingFire[] = [];
  for (const fire of due) {
    const attempts = fire.attempts + 1;
    // The conditional write decides which cron retries it; later retries wait longer.
    const claimed = await repo
      .createQueryBuilder()
      .update()
      .set({ attempts, retryAt: new Date(now.getTime() + LEASE_MS * Math.min(attempts, 12)) })
      .where('id = :id AND attempts = :was AND result = :pending', { id: fire.id, was: fire.attempts, pending: 'pending' })
      .execute();
    if (claimed.affected) mine.push({ ...fire, attempts });
  }
  await createTasks(core, mine);
  return mine.length;
}

/**
 * Creates the fires' tasks and records the outcomes. Fresh fires whose hooks act with the same
 * scopes (typically one star role, `hook-id:<group>/*`) are created together with createTaskGraph:
 * one transaction per batch instead of one per task. Measured (MariaDB, 2 loaded cores): 100
 * tasks as one graph 330–370 ms, as 100 createTask 8 at a time 1.1–2.2 s. If a batch is refused,
 * each of its fires is tried alone, so one bad task fails only itself.
 */
async function createTasks(core: Core, fires: readonly PendingFire[]): Promise<void> {
  if (!fires.length) return;
  const groups = new Map<string, { caller: Caller; fires: PendingFire[] }>();
  const alone: PendingFire[] = [];
  for (const fire of fires) {
    if (fire.attempts > 1) {
      alone.push(fire);
      continue;
    }
    const caller = await hookCaller(core, fire.hookGroupId, fire.hookId);
    const key = caller.scopes.join('\n');
    const group = groups.get(key) ?? { caller, fires: [] };
    group.fires.push(fire);
    groups.set(key, group);
  }
  const outcomes: FireOutcome[] = [];
  for (const group of groups.values()) {
    if (group.fires.length === 1) {
      alone.push(group.fires[0]);
      continue;
    }
    try {
      const tasks = group.fires.map((fire) => ({ taskId: fire.taskId, task: taskInputFromRendered(fire.taskDefinition ?? {}) }));
      const statuses = await createTaskGraph({ core, caller: group.caller }, { tasks });
      group.fires.forEach((fire, i) => outcomes.push({ kind: 'created', fire, status: statuses[i] }));
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof ServiceUnavailable)) alone.push(...group.fires);
      else group.fires.forEach((fire) => outcomes.push({ kind: 'retry', fire, error }));
    }
  }
  const width = core.db.options.type === 'mysql' ? CONCURRENCY.mysql : CONCURRENCY.sqlite;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, alone.length) }, async () => {
      while (next < alone.length) outcomes.push(await attemptFireTask(core, alone[next++]));
    }),
  );
  await recordOutcomes(core, outcomes);
}

/** Deletes resolved fires older than FIRE_HISTORY_MS. */
export async function deleteOldFires(core: Core): Promise<number> {
  const before = new Date(core.clock.now().getTime() - FIRE_HISTORY_MS);
  let total = 0;
  for (;;) {
    const old = await core.db.getRepository(HookFire).find({ select: { id: true }, where: { firedAt: LessThan(before), result: Not('pending') }, take: 1000 });
    if (!old.length) return total;
    await core.db.getRepository(HookFire).delete({ id: In(old.map((f) => f.id)) });
    total += old.length;
    if (old.length < 1000) return total;
  }
}
