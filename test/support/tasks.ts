// Task factories and worker helpers for queue tests, through the GraphQL API.
import slugid from 'slugid';
import type { TestGateway } from './gateway';

export const STATUS_FIELDS = 'taskId taskGroupId state retriesLeft runs { runId state reasonCreated reasonResolved workerGroup workerId takenUntil }';

export const CREATE_TASK = `mutation ($taskId: ID!, $task: TaskInput!) { createTask(taskId: $taskId, task: $task) { ${STATUS_FIELDS} } }`;
export const CREATE_GRAPH = `mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { ${STATUS_FIELDS} } }`;
export const CLAIM_WORK = `mutation ($q: String!, $g: String!, $w: String!, $n: Int) {
  claimWork(taskQueueId: $q, workerGroup: $g, workerId: $w, tasks: $n) {
    runId takenUntil status { ${STATUS_FIELDS} } task { taskId payload scopes } credentials { clientId accessToken certificate } } }`;
export const STATUS = `query ($taskId: ID!) { task(taskId: $taskId) { status { ${STATUS_FIELDS} } } }`;

export function newTaskId(): string {
  return slugid.v4();
}

export function uniqueQueue(): string {
  return `test-prov/q${slugid.v4().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
}

/** A valid task definition; override what the test is about. */
export function makeTask(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    taskQueueId: 'test-prov/default',
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3600_000).toISOString(),
    metadata: { name: 'a test task', description: '', owner: 'tests@example.com', source: 'https://example.com/tests' },
    payload: { command: ['true'] },
    ...overrides,
  };
}

export async function createTask(t: TestGateway, overrides: Record<string, unknown> = {}, taskId = newTaskId(), auth = t.root) {
  const data = await t.ok(CREATE_TASK, { taskId, task: makeTask(overrides) }, auth);
  return data.createTask as { taskId: string; state: string; runs: any[]; retriesLeft: number; taskGroupId: string };
}

export interface Claim {
  runId: number;
  status: any;
  task: { taskId: string; payload: any; scopes: string[] };
  /** Bearer value of the task credentials (base64url JSON). */
  auth: string;
}

export async function claim(t: TestGateway, taskQueueId: string, options: { workerId?: string; tasks?: number; auth?: string } = {}): Promise<Claim[]> {
  const data = await t.ok(CLAIM_WORK, { q: taskQueueId, g: 'test-group', w: options.workerId ?? 'worker-1', n: options.tasks ?? 1 }, options.auth ?? t.root);
  return data.claimWork.map((c: any) => ({
    runId: c.runId,
    status: c.status,
    task: c.task,
    auth: Buffer.from(JSON.stringify(c.credentials)).toString('base64url'),
  }));
}

export async function status(t: TestGateway, taskId: string) {
  return (await t.ok(STATUS, { taskId })).task.status;
}

export function report(t: TestGateway, what: 'reportCompleted' | 'reportFailed', taskId: string, runId: number, auth: string) {
  return t.gql(`mutation ($t: ID!, $r: Int!) { ${what}(taskId: $t, runId: $r) { ${STATUS_FIELDS} } }`, { t: taskId, r: runId }, auth);
}

export function reportException(t: TestGateway, taskId: string, runId: number, reason: string, auth: string) {
  return t.gql(`mutation ($t: ID!, $r: Int!, $reason: String!) { reportException(taskId: $t, runId: $r, reason: $reason) { ${STATUS_FIELDS} } }`, { t: taskId, r: runId, reason }, auth);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** cancelTask, rerunTask or scheduleTask, answering the raw response (errors included). */
export function taskAction(t: TestGateway, action: 'cancelTask' | 'rerunTask' | 'scheduleTask', taskId: string, auth = t.root) {
  return t.gql(`mutation ($t: ID!) { ${action}(taskId: $t) { ${STATUS_FIELDS} } }`, { t: taskId }, auth);
}

export function reclaim(t: TestGateway, taskId: string, runId: number, auth: string) {
  return t.gql(
    `mutation ($t: ID!, $r: Int!) { reclaimTask(taskId: $t, runId: $r) { runId takenUntil status { ${STATUS_FIELDS} } credentials { clientId accessToken certificate } } }`,
    { t: taskId, r: runId },
    auth,
  );
}

export function changePriority(t: TestGateway, taskId: string, priority: string, auth = t.root) {
  return t.gql(`mutation ($t: ID!, $p: String!) { changeTaskPriority(taskId: $t, priority: $p) { ${STATUS_FIELDS} } }`, { t: taskId, p: priority }, auth);
}

/** Claims the queue's next task and reports it completed; fails the test if there is none. */
export async function claimAndComplete(t: TestGateway, taskQueueId: string): Promise<Claim> {
  const [c] = await claim(t, taskQueueId);
  if (!c) throw new Error(`nothing to claim in ${taskQueueId}`);
  const done = await report(t, 'reportCompleted', c.task.taskId, c.runId, c.auth);
  if (done.errors) throw new Error(`reportCompleted failed: ${JSON.stringify(done.errors)}`);
  return c;
}

/** Rows of each queue table, to check that a refused request wrote nothing. */
export async function queueRowCounts(t: TestGateway): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['tasks', 'task_runs', 'task_dependencies', 'task_groups']) {
    const [row] = await t.core.db.query(`SELECT COUNT(*) AS n FROM ${table}`);
    counts[table] = Number(row.n);
  }
  return counts;
}
