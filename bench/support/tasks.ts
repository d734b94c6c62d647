// Trivial tasks and the GraphQL operations a scheduler and a worker issue, with the few fields a
// real one reads back (a worker needs the payload and its task credentials, not the full status).
import slugid from 'slugid';
import { credentialsBearer, type GraphqlClient } from './graphql';

export const CREATE_TASK = `mutation ($taskId: ID!, $task: TaskInput!) { createTask(taskId: $taskId, task: $task) { taskId state } }`;
export const CREATE_GRAPH = `mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId state } }`;
export const CLAIM_WORK = `mutation ($q: String!, $g: String!, $w: String!, $n: Int) {
  claimWork(taskQueueId: $q, workerGroup: $g, workerId: $w, tasks: $n) {
    runId task { taskId payload } credentials { clientId accessToken certificate } } }`;
export const REPORT_COMPLETED = `mutation ($t: ID!, $r: Int!) { reportCompleted(taskId: $t, runId: $r) { taskId state } }`;
export const REPORT_RUNS = `mutation ($reports: [RunReportInput!]!) { reportRuns(reports: $reports) { taskId state } }`;
export const GROUP_COUNTS = `query ($g: ID!) { taskGroup(taskGroupId: $g) { counts { unscheduled pending running completed failed exception total } } }`;

/** A queue of its own for one run: `bench/<12 lowercase characters>`. */
export function benchQueue(prefix = 'bench'): string {
  return `${prefix}/q${slugid.v4().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
}

/** A trivial task: no scopes, no routes, an empty-ish payload, an hour to run. */
export function trivialTask(taskQueueId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    taskQueueId,
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3600_000).toISOString(),
    metadata: { name: 'trivial', description: '', owner: 'bench@example.com', source: 'https://example.com/bench' },
    payload: { command: ['true'] },
    ...overrides,
  };
}

export interface ClaimedRun {
  taskId: string;
  runId: number;
  /** Bearer value of the run's task credentials. */
  auth: string;
}

export async function claimWork(
  client: GraphqlClient,
  props: { taskQueueId: string; workerGroup?: string; workerId: string; tasks: number; auth?: string; signal?: AbortSignal },
): Promise<ClaimedRun[]> {
  const data = await client.request<{ claimWork: { runId: number; task: { taskId: string }; credentials: { clientId: string; accessToken: string; certificate: unknown } }[] }>(
    CLAIM_WORK,
    { q: props.taskQueueId, g: props.workerGroup ?? 'bench', w: props.workerId, n: props.tasks },
    { auth: props.auth, signal: props.signal },
  );
  // The bearer value is made when a report needs it: a worker that reports with reportRuns never does.
  return data.claimWork.map((c) => ({
    taskId: c.task.taskId,
    runId: c.runId,
    get auth() {
      return credentialsBearer(c.credentials);
    },
  }));
}

/** Reports a run completed with its own task credentials, as a worker does. */
export async function reportCompleted(client: GraphqlClient, run: ClaimedRun): Promise<string> {
  const data = await client.request<{ reportCompleted: { state: string } }>(REPORT_COMPLETED, { t: run.taskId, r: run.runId }, { auth: run.auth });
  return data.reportCompleted.state;
}

/** Reports several runs completed in one request (reportRuns), as the worker that claimed them. */
export async function reportRunsCompleted(client: GraphqlClient, runs: { taskId: string; runId: number }[], auth?: string): Promise<string[]> {
  const reports = runs.map((run) => ({ taskId: run.taskId, runId: run.runId, state: 'completed' }));
  const data = await client.request<{ reportRuns: { state: string }[] }>(REPORT_RUNS, { reports }, { auth });
  return data.reportRuns.map((s) => s.state);
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
