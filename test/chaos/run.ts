// The chaos run: MariaDB (a server of its own) with Redis pub/sub, two gateways behind a
// balancer, two cron processes provisioning a local worker pool; task graphs and an
// every-second hook as load; for a while, at random, SIGKILL and restart a gateway, a cron
// process, a worker mid-task; once a MariaDB crash and restart, once a Redis cut. Then it waits
// for everything to settle and checks what must hold (checks.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../gateway/child';
import { TcpProxy } from '../gateway/tcp-proxy';
import { CREDENTIALS_KEY, ROOT_TOKEN, SECRETS_KEYS } from '../support/gateway';
import { Balancer } from './balancer';
import { checkHook, checkJournal, checkObservers, checkSecret, checkTasks, readTasks, settlement } from './checks';
import { Program, untilHealthy, workerPids } from './cluster';
import { CREATE_GRAPH, persist, planGraphs, randomSecret, setUp, stopHook, taskDefinition, type LoadOptions, type PlannedTask } from './load';
import { seededRandom } from '../support/random';
import { PrivateMariaDb } from './mariadb';
import { Observers } from './observers';
import { lockSnapshot, provisioningSnapshot, workerReports } from './post-mortem';

export interface ChaosOptions {
  tasks: number;
  /** How long faults are injected (the graphs are submitted during the first half). */
  faultSeconds: number;
  settleSeconds: number;
  seed: number;
  redisUrl: string;
  /** Tasks followed by subscribers. */
  observed: number;
  log?: (line: string) => void;
}

export type FaultKind = 'gateway killed' | 'cron killed' | 'worker killed' | 'MariaDB crashed' | 'Redis cut';

export interface ChaosReport {
  seed: number;
  seconds: number;
  faults: Record<FaultKind, number>;
  tasks: number;
  hookTasks: number;
  states: Record<string, number>;
  retries: Record<string, number>;
  executions: number;
  hookFires: number;
  observed: number;
  subscriberMessages: number;
  reconnects: number;
  filesSearched: number;
  violations: Record<string, string[]>;
  dir: string;
}

const ROOT = `root:${ROOT_TOKEN}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const random = seededRandom(options.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-chaos-'));
  for (const sub of ['logs', 'artifacts', 'workers', 'mariadb', 'reports']) fs.mkdirSync(path.join(dir, sub));
  const faults: Record<FaultKind, number> = { 'gateway killed': 0, 'cron killed': 0, 'worker killed': 0, 'MariaDB crashed': 0, 'Redis cut': 0 };
  const cleanups: (() => Promise<void>)[] = [];
  const workerPoolId = `chaos/run${options.seed}`;

  try {
    log(`run folder ${dir}, seed ${options.seed}`);
    const mariadb = await PrivateMariaDb.create(path.join(dir, 'mariadb'), await freePort());
    cleanups.push(() => mariadb.stop());
    const redis = new URL(options.redisUrl);
    const redisProxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    cleanups.push(() => redisProxy.close());

    const ports = [await freePort(), await freePort()];
    const balancer = await Balancer.start(() => ports);
    cleanups.push(() => balancer.close());
    const common = {
      DATABASE_URL: mariadb.url,
      PUBSUB_URL: `redis://127.0.0.1:${redisProxy.port}`,
      CREDENTIALS_KEY,
      SECRETS_KEYS,
      CLAIM_TIMEOUT_SECONDS: '30',
      LOG_LEVEL: 'info',
      GATEWAY_URL: balancer.url,
    };
    const logDir = path.join(dir, 'logs');
    const gateways = ports.map(
      (port, i) =>
        new Program({
          name: `gateway-${'ab'[i]}`,
          entry: 'gateway/main.ts',
          logDir,
          env: { ...common, GATEWAY_PORT: String(port), ROOT_ACCESS_TOKEN: ROOT_TOKEN, DATA_DIR: path.join(dir, `gateway-${'ab'[i]}`), ARTIFACTS_URL: `file:${path.join(dir, 'artifacts')}` },
        }),
    );
    const crons = ['a', 'b'].map(
      (name) =>
        new Program({
          name: `cron-${name}`,
          entry: 'cron/main.ts',
          logDir,
          env: {
            ...common,
            DATA_DIR: path.join(dir, `cron-${name}`),
            LOCAL_WORKERS_DIR: path.join(dir, 'workers'),
            // Debug: the cron logs then keep what each worker printed, for a failed run's post-mortem.
            LOG_LEVEL: 'debug',
            PROVISIONING_INTERVAL_SECONDS: '2',
            LOCAL_WORKER_STOP_GRACE_SECONDS: '5',
            ARTIFACTS_URL: `file:${path.join(dir, 'artifacts')}`,
          },
        }),
    );
    cleanups.push(async () => {
      await Promise.all(crons.map((cron) => cron.stop()));
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      for (const pid of workerPids(workerPoolId)) killQuietly(pid);
    });
    gateways[0].start();
    await untilHealthy(ports[0]); // the first start migrates the database
    gateways[1].start();
    await untilHealthy(ports[1]);
    crons.forEach((cron) => cron.start());
    log('2 gateways and 2 cron processes are up');

    const load: LoadOptions = {
      url: balancer.url,
      root: ROOT,
      workerPoolId,
      journal: path.join(dir, 'journal.txt'),
      secretName: 'chaos/deploy-token',
      secretValue: randomSecret(),
      hook: { hookGroupId: 'chaos', hookId: `every-second-${options.seed}` },
      reportDir: path.join(dir, 'reports'),
    };
    fs.writeFileSync(load.journal, '');
    await setUp(load);
    const observers = new Observers(balancer.url, ROOT);
    cleanups.push(() => observers.close());
    observers.start();

    const graphs = planGraphs(options.tasks, random);
    const plan = graphs.flat();
    const followed = chooseFollowed(plan, options.observed, random);
    const faultUntil = Date.now() + options.faultSeconds * 1000;
    const submitting = submitGraphs(graphs, load, random, options.faultSeconds * 500, (graph) => {
      for (const task of graph) if (followed.has(task.taskId)) observers.follow(task.taskId);
      log(`submitted ${graph[0].taskGroupId} (${graph.length} tasks)`);
    });
    await injectFaults({ faultUntil, random, gateways, crons, mariadb, redisProxy, workerPoolId, faults, log });
    await submitting;
    // Both gateways back up for the settling (the supervisor restarts what was killed).
    await Promise.all(ports.map((port) => untilHealthy(port)));
    const hookUntil = Date.now() - 2000;
    await stopHook(load);
    log(`faults over: ${JSON.stringify(faults)}; waiting for the tasks to settle`);

    const db = await connectWithRetry(mariadb.url);
    cleanups.push(() => db.end());
    const hookTaskIds = async () => {
      const [rows] = await db.query('SELECT task_id FROM hook_last_fires WHERE hook_group_id = ? AND hook_id = ?', [load.hook.hookGroupId, load.hook.hookId]);
      return (rows as { task_id: string }[]).map((r) => r.task_id);
    };
    const hookPlan = (ids: string[]): PlannedTask[] => ids.map((taskId) => ({ taskId, taskGroupId: taskId, behaviour: 'quick', dependencies: [], requires: 'all-completed' }));
    const settleUntil = Date.now() + options.settleSeconds * 1000;
    let everything: PlannedTask[] = [];
    let facts = new Map();
    for (;;) {
      everything = [...plan, ...hookPlan(await hookTaskIds())];
      facts = await readTasks(db, everything.map((t) => t.taskId));
      const { settled } = settlement(everything, facts);
      const open = everything.filter((task) => !settled(task)).length;
      if (open === 0 || Date.now() > settleUntil) break;
      log(`${open} tasks not settled yet`);
      await sleep(5000);
    }
    // The subscribers' last messages are on their way.
    const catchUp = Date.now() + 20_000;
    while (Date.now() < catchUp && observers.observed.some((task) => [...task.logs.keys()].some((run) => !task.logsDone.has(run)))) await sleep(500);
    await sleep(2000);

    const violations: Record<string, string[]> = {};
    const taskReport = checkTasks(everything, facts);
    violations['tasks: final, ordered, expected, retries with reasons'] = taskReport.violations;
    // Tasks left open: say what provisioning saw then, for a post-mortem from the test's output.
    if (taskReport.violations.length) {
      const open = everything.filter((task) => facts.get(task.taskId)?.state === 'pending').map((task) => task.taskId);
      taskReport.violations.push(await provisioningSnapshot(db, workerPoolId), await lockSnapshot(db, open), await workerReports(workerPoolId, load.reportDir));
    }
    const journal = checkJournal(fs.readFileSync(load.journal, 'utf8'), facts);
    violations['runs: one worker at a time'] = journal.violations;
    const hook = await checkHook(db, load.hook, hookUntil);
    violations['hook: every second fired once'] = hook.violations;
    violations['subscribers: every change and line once, in order'] = [
      ...observers.violations,
      ...(await checkObservers(observers.observed, facts, (taskId, runId) => readStoredLog(balancer.url, taskId, runId))),
    ];
    await observers.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    const secret = checkSecret(dir, load.secretValue);
    violations['secrets: no value in any file'] = secret.violations;

    return {
      seed: options.seed,
      seconds: Math.round((Date.now() - started) / 1000),
      faults,
      tasks: plan.length,
      hookTasks: everything.length - plan.length,
      states: taskReport.states,
      retries: taskReport.retries,
      executions: journal.executions,
      hookFires: hook.fires,
      observed: observers.observed.length,
      subscriberMessages: observers.messages,
      reconnects: observers.reconnects,
      filesSearched: secret.files,
      violations,
      dir,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

function chooseFollowed(plan: PlannedTask[], count: number, random: () => number): Set<string> {
  const interesting = plan.filter((t) => t.behaviour !== 'quick');
  const chosen = new Set<string>();
  while (chosen.size < Math.min(count, plan.length)) {
    const pool = chosen.size < count * 0.7 && interesting.length > chosen.size ? interesting : plan;
    chosen.add(pool[Math.floor(random() * pool.length)].taskId);
  }
  return chosen;
}

async function submitGraphs(graphs: PlannedTask[][], load: LoadOptions, random: () => number, overMs: number, submitted: (graph: PlannedTask[]) => void): Promise<void> {
  const gap = overMs / graphs.length;
  for (const graph of graphs) {
    const tasks = graph.map((task) => ({ taskId: task.taskId, task: taskDefinition(task, load, random) }));
    await persist(load.url, CREATE_GRAPH, { tasks }, load.root);
    submitted(graph);
    await sleep(gap);
  }
}

interface FaultContext {
  faultUntil: number;
  random: () => number;
  gateways: Program[];
  crons: Program[];
  mariadb: PrivateMariaDb;
  redisProxy: TcpProxy;
  workerPoolId: string;
  faults: Record<FaultKind, number>;
  log: (line: string) => void;
}

/** Random kills every few seconds; the MariaDB crash at 40% of the window, the Redis cut at 65%. */
async function injectFaults(c: FaultContext): Promise<void> {
  const window = c.faultUntil - Date.now();
  const at = { mariadb: Date.now() + window * 0.4, redis: Date.now() + window * 0.65 };
  const killProgram = (programs: Program[], kind: FaultKind): boolean => {
    const i = Math.floor(c.random() * programs.length);
    // One of each stays up: the other may still be starting again after the last kill.
    if (!programs.every((p) => p.running)) return false;
    c.faults[kind] += 1;
    c.log(`${kind}: ${programs[i].options.name}`);
    programs[i].kill();
    return true;
  };
  const killWorker = (): boolean => {
    const pids = workerPids(c.workerPoolId);
    if (!pids.length) return false;
    c.faults['worker killed'] += 1;
    const pid = pids[Math.floor(c.random() * pids.length)];
    c.log(`worker killed: pid ${pid}`);
    killQuietly(pid);
    return true;
  };
  const kills = [() => killWorker(), () => killProgram(c.gateways, 'gateway killed'), () => killProgram(c.crons, 'cron killed')];
  // Each kind once first (retried until it could be done), then at random.
  const owed = [...kills];
  while (Date.now() < c.faultUntil) {
    await sleep(3000 + c.random() * 5000);
    if (Date.now() >= c.faultUntil) break;
    if (at.mariadb && Date.now() >= at.mariadb) {
      at.mariadb = 0;
      c.faults['MariaDB crashed'] += 1;
      c.log('MariaDB crashed (SIGKILL); restarting in 3 s');
      await c.mariadb.kill();
      await sleep(3000);
      await c.mariadb.start();
      continue;
    }
    if (at.redis && Date.now() >= at.redis) {
      at.redis = 0;
      c.faults['Redis cut'] += 1;
      c.log('Redis cut for 5 s');
      await c.redisProxy.cut();
      await sleep(5000);
      await c.redisProxy.restore();
      continue;
    }
    if (owed.length) {
      if (owed[0]()) owed.shift();
    } else {
      kills[Math.floor(c.random() * kills.length)]();
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function connectWithRetry(url: string): Promise<mysql.Connection> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await mysql.createConnection({ uri: url, timezone: 'Z', dateStrings: false });
    } catch (error) {
      if (attempt > 60) throw error;
      await sleep(1000);
    }
  }
}

async function readStoredLog(url: string, taskId: string, runId: number): Promise<string[]> {
  const response = await fetch(`${new URL(url).origin}/artifacts/${taskId}/${runId}/public/logs/live.log`, { headers: { authorization: `Bearer ${ROOT}` } });
  if (response.status !== 200) return [`(HTTP ${response.status})`];
  const text = await response.text();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
