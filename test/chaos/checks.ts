// The checks after the run settles, from the database, the tasks' journal, the subscribers'
// records and every file the run wrote. Each finding is a violation; a sound run has none.
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { changeCount } from '../../entities/queue/status';
import type { PlannedTask } from './load';
import type { ObservedTask } from './observers';

const RESOLVED = new Set(['completed', 'failed', 'exception']);
const RETRY_REASONS = new Set(['worker-shutdown', 'claim-expired', 'intermittent-task']);

interface RunRow {
  task_id: string;
  run_id: number;
  state: string;
  reason_created: string;
  reason_resolved: string | null;
  worker_id: string | null;
  scheduled: Date;
  started: Date | null;
  resolved: Date | null;
}

export interface TaskFacts {
  state: string;
  firstResolved: Date | null;
  runs: RunRow[];
}

export async function readTasks(db: Connection, taskIds: string[]): Promise<Map<string, TaskFacts>> {
  const facts = new Map<string, TaskFacts>();
  for (let i = 0; i < taskIds.length; i += 1000) {
    const ids = taskIds.slice(i, i + 1000);
    const [tasks] = await db.query('SELECT task_id, state, first_resolved FROM tasks WHERE task_id IN (?)', [ids]);
    for (const row of tasks as { task_id: string; state: string; first_resolved: Date | null }[]) facts.set(row.task_id, { state: row.state, firstResolved: row.first_resolved, runs: [] });
    const [runs] = await db.query('SELECT * FROM task_runs WHERE task_id IN (?) ORDER BY task_id, run_id', [ids]);
    for (const run of runs as RunRow[]) facts.get(run.task_id)?.runs.push(run);
  }
  return facts;
}

/**
 * Which tasks are settled: resolved, or unscheduled waiting on a dependency that can never
 * satisfy them (failed under all-completed, or itself waiting forever).
 */
export function settlement(plan: PlannedTask[], facts: Map<string, TaskFacts>) {
  const byId = new Map(plan.map((task) => [task.taskId, task]));
  const memo = new Map<string, boolean>();
  const blocked = (task: PlannedTask): boolean => {
    if (facts.get(task.taskId)?.state !== 'unscheduled') return false;
    if (memo.has(task.taskId)) return memo.get(task.taskId)!;
    memo.set(task.taskId, false); // dependencies form no cycle; this guards against one anyway
    const answer = task.dependencies.some((d) => {
      const state = facts.get(d)?.state ?? '';
      if (task.requires === 'all-completed' && (state === 'failed' || state === 'exception')) return true;
      const dep = byId.get(d);
      return !!dep && blocked(dep);
    });
    memo.set(task.taskId, answer);
    return answer;
  };
  const settled = (task: PlannedTask): boolean => {
    const state = facts.get(task.taskId)?.state;
    return !!state && (RESOLVED.has(state) || blocked(task));
  };
  return { blocked, settled };
}

export interface TaskReport {
  states: Record<string, number>;
  retries: Record<string, number>;
  violations: string[];
}

/** Final states, dependency order, expected outcomes and retry reasons. */
export function checkTasks(plan: PlannedTask[], facts: Map<string, TaskFacts>): TaskReport {
  const { blocked, settled } = settlement(plan, facts);
  const states: Record<string, number> = {};
  const retries: Record<string, number> = {};
  const violations: string[] = [];
  for (const task of plan) {
    const own = facts.get(task.taskId);
    if (!own) {
      violations.push(`${task.taskId}: submitted but missing`);
      continue;
    }
    const state = blocked(task) ? 'unscheduled (blocked)' : own.state;
    states[state] = (states[state] ?? 0) + 1;
    if (!settled(task)) violations.push(`${task.taskId} (${task.behaviour}): stuck ${own.state}`);
    // A dependent runs only after its dependencies resolved as `requires` says. Its start is
    // compared, not its `scheduled` time: that is the clock reading of whichever dependency's
    // transaction scheduled it, taken before it waited for the other's lock.
    const first = own.runs[0];
    for (const d of task.dependencies) {
      const dep = facts.get(d);
      if (!first) continue;
      if (!dep?.firstResolved) violations.push(`${task.taskId}: scheduled although its dependency ${d} never resolved`);
      else if (first.started && dep.firstResolved.getTime() > first.started.getTime()) violations.push(`${task.taskId}: ran before its dependency ${d} resolved`);
      else if (task.requires === 'all-completed' && dep.state !== 'completed') violations.push(`${task.taskId}: ran although dependency ${d} is ${dep.state}`);
    }
    // Each run after the first is a retry with a recorded reason.
    own.runs.forEach((run, i) => {
      if (run.state === 'exception' && !run.reason_resolved) violations.push(`${task.taskId}/${run.run_id}: exception without a reason`);
      if (i === 0) return;
      const before = own.runs[i - 1];
      if (run.reason_created !== 'retry' || before.state !== 'exception' || !RETRY_REASONS.has(before.reason_resolved ?? '')) {
        violations.push(`${task.taskId}/${run.run_id}: created ${run.reason_created} after run ${before.run_id} ${before.state}/${before.reason_resolved}`);
      } else {
        retries[before.reason_resolved!] = (retries[before.reason_resolved!] ?? 0) + 1;
      }
    });
    const last = own.runs.at(-1);
    if (last && RESOLVED.has(own.state)) {
      const expected = task.behaviour === 'fail' ? 'failed' : 'completed';
      const exhausted = own.state === 'exception' && RETRY_REASONS.has(last.reason_resolved ?? '');
      if (own.state !== expected && !exhausted) violations.push(`${task.taskId} (${task.behaviour}): ${own.state}/${last.reason_resolved ?? ''}, expected ${expected}`);
    }
  }
  return { states, retries, violations };
}

interface Execution {
  workerId: string;
  from: number;
  to: number;
  ended: boolean;
}

/** From the journal: no run executed by two workers, no task executing twice at the same time. */
export function checkJournal(journal: string, facts: Map<string, TaskFacts>): { executions: number; violations: string[] } {
  const byRun = new Map<string, Execution[]>();
  for (const line of journal.split('\n')) {
    const [kind, taskId, runId, workerId, at] = line.split(' ');
    if (!at) continue;
    const key = `${taskId}/${runId}`;
    const list = byRun.get(key) ?? [];
    byRun.set(key, list);
    let execution = list.find((e) => e.workerId === workerId);
    if (kind === 'start' || !execution) {
      execution = { workerId, from: Number(at), to: Number(at), ended: false };
      list.push(execution);
    }
    execution.to = Math.max(execution.to, Number(at));
    if (kind === 'end') execution.ended = true;
  }
  const violations: string[] = [];
  const byTask = new Map<string, (Execution & { run: string })[]>();
  let executions = 0;
  for (const [key, list] of byRun) {
    executions += list.length;
    if (list.length > 1) violations.push(`run ${key} executed ${list.length} times (workers ${list.map((e) => e.workerId).join(', ')})`);
    const [taskId, runId] = key.split('/');
    const run = facts.get(taskId)?.runs.find((r) => r.run_id === Number(runId));
    if (run && run.worker_id && !list.some((e) => e.workerId === run.worker_id)) violations.push(`run ${key} claimed by ${run.worker_id} but executed by ${list.map((e) => e.workerId).join(', ')}`);
    byTask.set(taskId, [...(byTask.get(taskId) ?? []), ...list.map((e) => ({ ...e, run: runId }))]);
  }
  for (const [taskId, list] of byTask) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      if (list[i].from < list[i - 1].to) violations.push(`task ${taskId}: run ${list[i].run} started while run ${list[i - 1].run} was still executing`);
    }
  }
  return { executions, violations };
}

/** Every second of the hook's schedule from its first fire to `until` fired once, and made its task. */
export async function checkHook(db: Connection, hook: { hookGroupId: string; hookId: string }, until: number): Promise<{ fires: number; violations: string[] }> {
  const [rows] = await db.query('SELECT scheduled_for, missed_fires, result, task_id FROM hook_last_fires WHERE hook_group_id = ? AND hook_id = ? AND scheduled_for IS NOT NULL ORDER BY scheduled_for', [
    hook.hookGroupId,
    hook.hookId,
  ]);
  const fires = (rows as { scheduled_for: Date; missed_fires: number; result: string; task_id: string }[]).filter((f) => f.scheduled_for.getTime() <= until);
  const violations: string[] = [];
  if (!fires.length) return { fires: 0, violations: ['the hook never fired'] };
  const seconds = new Map<number, number>();
  for (const fire of fires) {
    const second = fire.scheduled_for.getTime();
    seconds.set(second, (seconds.get(second) ?? 0) + 1 + fire.missed_fires);
    if (fire.missed_fires) violations.push(`hook fire at ${fire.scheduled_for.toISOString()} stands for ${fire.missed_fires} missed`);
    if (fire.result !== 'created') violations.push(`hook fire at ${fire.scheduled_for.toISOString()}: ${fire.result}`);
  }
  for (let s = fires[0].scheduled_for.getTime(); s <= fires.at(-1)!.scheduled_for.getTime(); s += 1000) {
    const count = seconds.get(s) ?? 0;
    if (count !== 1) violations.push(`hook second ${new Date(s).toISOString()} fired ${count} times`);
  }
  const [tasks] = await db.query('SELECT COUNT(*) AS n FROM tasks WHERE task_id IN (?)', [fires.map((f) => f.task_id)]);
  const made = Number((tasks as { n: number }[])[0].n);
  if (made !== fires.length) violations.push(`${fires.length} hook fires made ${made} tasks`);
  return { fires: fires.length, violations };
}

/** The subscribers saw each task's final state and every line of every run's stored log, once. */
export async function checkObservers(observed: ObservedTask[], facts: Map<string, TaskFacts>, readLog: (taskId: string, runId: number) => Promise<string[]>): Promise<string[]> {
  const violations: string[] = [];
  for (const task of observed) {
    const own = facts.get(task.taskId);
    if (!own) continue;
    const expectedChanges = changeCount({ runs: own.runs });
    if (expectedChanges > 0 && (task.changes.at(-1) ?? 0) !== expectedChanges) violations.push(`subscriber of ${task.taskId}: last saw changes ${task.changes.at(-1)} (${task.lastState}), the task has ${expectedChanges} (${own.state})`);
    for (const run of own.runs) {
      const seen = task.logs.get(run.run_id);
      if (!seen) {
        if (expectedChanges > 0) violations.push(`subscriber of ${task.taskId}: never followed run ${run.run_id}'s log`);
        continue;
      }
      const stored = await readLog(task.taskId, run.run_id);
      if (seen.length !== stored.length || seen.some((line, i) => line !== stored[i])) {
        const at = seen.findIndex((line, i) => line !== stored[i]);
        const first = at === -1 ? seen.length : at;
        violations.push(
          `subscriber of ${task.taskId}/${run.run_id}: saw ${seen.length} log lines, the stored log has ${stored.length}; line ${first}: saw ${JSON.stringify(seen[first])}, stored ${JSON.stringify(stored[first])}`,
        );
      }
    }
  }
  return violations;
}

/** No file the run wrote (logs of every process, artifacts, workers' folders, the database's files) holds the secret. */
export function checkSecret(dir: string, secret: string): { files: number; violations: string[] } {
  const violations: string[] = [];
  let files = 0;
  const needle = Buffer.from(secret);
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile()) {
        files += 1;
        if (fs.readFileSync(full).includes(needle)) violations.push(`the secret's value is in ${path.relative(dir, full)}`);
      }
    }
  };
  walk(dir);
  return { files, violations };
}
