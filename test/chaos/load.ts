// What the chaos run asks of the platform: task graphs whose tasks succeed, fail, run long and
// read a secret, with dependencies under both `requires`; a hook firing every second. Every task
// command records its execution in a journal file (start, heartbeats, end, with the run and the
// worker), which the checks read to find a run executed twice at once.
import crypto from 'node:crypto';
import slugid from 'slugid';
import { PRIORITIES } from '../../entities/queue/rules';
import { gql, type GraphqlResponse } from '../support/graphql';

export type Behaviour = 'quick' | 'fail' | 'long' | 'secret';

export interface PlannedTask {
  taskId: string;
  taskGroupId: string;
  behaviour: Behaviour;
  dependencies: string[];
  requires: 'all-completed' | 'all-resolved';
}

export interface LoadOptions {
  url: string;
  root: string;
  workerPoolId: string;
  journal: string;
  secretName: string;
  secretValue: string;
  hook: { hookGroupId: string; hookId: string };
  /** Where workers write their diagnostic reports. */
  reportDir: string;
}

const GRAPH_SIZE = 100;

/** Graphs of GRAPH_SIZE tasks; each task depends on up to two earlier tasks of its graph. */
export function planGraphs(total: number, random: () => number): PlannedTask[][] {
  const graphs: PlannedTask[][] = [];
  for (let made = 0; made < total; ) {
    const taskGroupId = slugid.nice();
    const size = Math.min(GRAPH_SIZE, total - made);
    const graph: PlannedTask[] = [];
    for (let i = 0; i < size; i++) {
      const dependencies = new Set<string>();
      if (i > 0 && random() < 0.5) for (let d = 0; d < 1 + Math.floor(random() * 2); d++) dependencies.add(graph[Math.floor(random() * i)].taskId);
      const roll = random();
      const behaviour: Behaviour = roll < 0.8 ? 'quick' : roll < 0.88 ? 'fail' : roll < 0.96 ? 'long' : 'secret';
      graph.push({ taskId: i === 0 ? taskGroupId : slugid.nice(), taskGroupId, behaviour, dependencies: [...dependencies], requires: random() < 0.7 ? 'all-completed' : 'all-resolved' });
    }
    graphs.push(graph);
    made += size;
  }
  return graphs;
}

/** The shell script a task runs: its behaviour between journal lines. */
function script(task: PlannedTask, options: LoadOptions, random: () => number): string {
  const mark = (what: string) => `echo "${what} $TASK_ID $RUN_ID $TASKCLUSTER_WORKER_ID $(date +%s%3N)" >> "$CHAOS_JOURNAL"`;
  let body: string;
  switch (task.behaviour) {
    case 'quick':
      body = 'echo quick';
      break;
    case 'fail':
      body = 'echo failing on purpose; false';
      break;
    case 'long': {
      const beats = 4 + Math.floor(random() * 9);
      body = `i=0; while [ $i -lt ${beats} ]; do i=$((i+1)); echo "line $i"; ${mark('beat')}; sleep 0.5; done`;
      break;
    }
    case 'secret': {
      const read = `fetch(process.env.TASKCLUSTER_PROXY_URL + '/secrets/${options.secretName}').then(r => r.json()).then(b => console.log('the token is ' + b.secret.token))`;
      body = `${JSON.stringify(process.execPath)} -e ${shellQuote(read)}`;
      break;
    }
  }
  return `${mark('start')}; ${body}; rc=$?; ${mark('end')}; exit $rc`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function taskDefinition(task: PlannedTask, options: LoadOptions, random: () => number): Record<string, unknown> {
  const now = Date.now();
  return {
    taskQueueId: options.workerPoolId,
    taskGroupId: task.taskGroupId,
    schedulerId: 'chaos',
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3 * 3600_000).toISOString(),
    retries: 5,
    dependencies: task.dependencies,
    requires: task.requires,
    scopes: task.behaviour === 'secret' ? [`secrets:get:${options.secretName}`] : [],
    metadata: { name: `chaos ${task.behaviour}`, description: '', owner: 'chaos@example.com', source: 'https://example.com/chaos' },
    payload: { command: ['sh', '-c', script(task, options, random)], env: { CHAOS_JOURNAL: options.journal }, maxRunTime: 120 },
  };
}

/** Calls until the gateway answers without a retryable error (the run kills gateways and the database). */
export async function persist<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown>, auth: string): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < 600; attempt++) {
    let result: GraphqlResponse<T> | undefined;
    try {
      result = await gql<T>(url, query, variables, auth);
    } catch (error) {
      last = error; // connection refused or reset: a gateway is down
    }
    if (result && !result.errors?.length) return result.data as T;
    if (result?.errors?.some((e) => !e.extensions?.details?.retryable && e.extensions?.code !== 'INTERNAL_SERVER_ERROR')) {
      throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(result.errors)}`);
    }
    last ??= result?.errors;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`gave up on ${query.slice(0, 60)}…: ${JSON.stringify(last)}`);
}

export const CREATE_GRAPH = 'mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId } }';

/** The pool, the secret, the hook and its role. */
export async function setUp(options: LoadOptions): Promise<void> {
  const { url, root } = options;
  // Workers write a diagnostic report (their handles and stack) on SIGUSR2: a failed run asks
  // the ones still alive for one (run.ts).
  const env = { NODE_OPTIONS: `--report-on-signal --report-directory=${options.reportDir}` };
  await persist(url, 'mutation ($id: String!, $pool: WorkerPoolInput!) { createWorkerPool(workerPoolId: $id, pool: $pool) { workerPoolId } }', {
    id: options.workerPoolId,
    pool: {
      providerId: 'local',
      description: 'the chaos run’s workers',
      owner: 'chaos@example.com',
      config: { minCapacity: 0, maxCapacity: 12, launchConfigs: [{ launchConfigId: 'main', capacityPerInstance: 4, env }], lifecycle: { queueInactivityTimeout: 600 } },
    },
  }, root);
  await persist(url, 'mutation ($name: String!, $secret: SecretInput!) { setSecret(name: $name, secret: $secret) { name } }', {
    name: options.secretName,
    secret: { secret: { token: options.secretValue }, expires: new Date(Date.now() + 86_400_000).toISOString() },
  }, root);
  const { hookGroupId, hookId } = options.hook;
  await persist(url, 'mutation ($id: String!, $role: RoleInput!) { createRole(roleId: $id, role: $role) { roleId } }', {
    id: `hook-id:${hookGroupId}/${hookId}`,
    role: { scopes: [...PRIORITIES.map((p) => `queue:create-task:${p}:${options.workerPoolId}`), 'queue:scheduler-id:-'], description: 'the chaos hook' },
  }, root);
  await persist(url, 'mutation ($g: String!, $h: String!, $hook: HookInput!) { createHook(hookGroupId: $g, hookId: $h, hook: $hook) { hookId } }', {
    g: hookGroupId,
    h: hookId,
    hook: hookInput(options, ['* * * * * *']),
  }, root);
}

function hookInput(options: LoadOptions, schedule: string[]): Record<string, unknown> {
  return {
    metadata: { name: 'every second', description: 'fires every second during the chaos run', owner: 'chaos@example.com' },
    schedule,
    task: {
      taskQueueId: options.workerPoolId,
      created: { $fromNow: '0 seconds' },
      deadline: { $fromNow: '3 hours' },
      metadata: { name: 'chaos hook task', description: '', owner: 'chaos@example.com', source: 'https://example.com/chaos' },
      payload: { command: ['true'] },
    },
  };
}

/** Takes the hook's schedule away (its fire history stays, for the checks). */
export async function stopHook(options: LoadOptions): Promise<void> {
  const { hookGroupId, hookId } = options.hook;
  await persist(options.url, 'mutation ($g: String!, $h: String!, $hook: HookInput!) { updateHook(hookGroupId: $g, hookId: $h, hook: $hook) { hookId } }', {
    g: hookGroupId,
    h: hookId,
    hook: hookInput(options, []),
  }, options.root);
}

export function randomSecret(): string {
  return `chaos-secret-${crypto.randomBytes(12).toString('hex')}`;
}
