// The create → claim → complete loop of the throughput benchmark, written once over a driver so
// the gateway run and the SQL baseline have the very same concurrency: `creators` submitting
// batches in parallel while `workers` each claim up to `claim` tasks at a time and report them,
// all in one call (`reporters` 0) or one by one with `reporters` reports in flight per worker.
import slugid from 'slugid';
import { databaseCpuMs, untilDatabaseQuiet } from './env';

export interface LifecycleSizes {
  tasks: number;
  batch: number;
  creators: number;
  workers: number;
  claim: number;
  /** Reports in flight per worker, one run each; 0: a worker reports all it claimed in one call. */
  reporters: number;
}

export interface Batch {
  taskGroupId: string;
  taskIds: string[];
}

export interface RunRef {
  taskId: string;
  runId: number;
  auth?: string;
}

export interface LifecycleDriver {
  createBatch(batch: Batch): Promise<void>;
  /** Claims up to `tasks`; may wait for work (a long poll) until `signal` aborts. */
  claim(props: { workerId: string; tasks: number; signal: AbortSignal }): Promise<RunRef[]>;
  /** Reports runs completed: one, or all a worker claimed at once. */
  reportCompleted(runs: RunRef[]): Promise<void>;
}

export interface LifecycleResult {
  elapsedMs: number;
  /** CPU time of this process (user + system) during the run: the gateway or baseline and the bench's own clients. */
  cpuMs: number;
  /** CPU time of the local database server during the run, when it is a process on this machine. */
  databaseCpuMs?: number;
  /** When the last batch was created, from the start. */
  createdMs: number;
  createMs: number[];
  claimMs: number[];
  reportMs: number[];
  emptyClaims: number;
  claimedTwice: number;
  completed: number;
}

export async function runLifecycle(driver: LifecycleDriver, sizes: LifecycleSizes): Promise<LifecycleResult> {
  const batches: Batch[] = [];
  for (let done = 0; done < sizes.tasks; done += sizes.batch) {
    const size = Math.min(sizes.batch, sizes.tasks - done);
    batches.push({ taskGroupId: slugid.v4(), taskIds: Array.from({ length: size }, () => slugid.v4()) });
  }
  const result: LifecycleResult = { elapsedMs: 0, cpuMs: 0, createdMs: 0, createMs: [], claimMs: [], reportMs: [], emptyClaims: 0, claimedTwice: 0, completed: 0 };
  const claimed = new Set<string>();
  const stop = new AbortController();
  await untilDatabaseQuiet();
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    stop.abort();
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const databaseBefore = databaseCpuMs();

  let nextBatch = 0;
  const creators = Array.from({ length: sizes.creators }, async () => {
    while (nextBatch < batches.length && !stop.signal.aborted) {
      const batch = batches[nextBatch++];
      const t = performance.now();
      await driver.createBatch(batch);
      result.createMs.push(performance.now() - t);
    }
  });
  const created = Promise.all(creators).then(() => (result.createdMs = performance.now() - started), fail);

  const workers = Array.from({ length: sizes.workers }, async (_, w) => {
    const workerId = `worker-${w}`;
    while (!stop.signal.aborted) {
      const t = performance.now();
      let runs: RunRef[];
      try {
        runs = await driver.claim({ workerId, tasks: sizes.claim, signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted) return; // the long poll we cancelled once everything was done
        throw error;
      }
      result.claimMs.push(performance.now() - t);
      if (!runs.length) result.emptyClaims += 1;
      for (const run of runs) {
        if (claimed.has(run.taskId)) result.claimedTwice += 1;
        claimed.add(run.taskId);
      }
      const report = async (reported: RunRef[]) => {
        const r = performance.now();
        await driver.reportCompleted(reported);
        result.reportMs.push(performance.now() - r);
        result.completed += reported.length;
      };
      if (sizes.reporters === 0) {
        if (runs.length) await report(runs);
      } else {
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(sizes.reporters, runs.length) }, async () => {
            while (next < runs.length) await report([runs[next++]]);
          }),
        );
      }
      if (result.completed >= sizes.tasks) {
        result.elapsedMs = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        result.cpuMs = (cpu.user + cpu.system) / 1000;
        const databaseAfter = databaseCpuMs();
        if (databaseBefore !== undefined && databaseAfter !== undefined) result.databaseCpuMs = databaseAfter - databaseBefore;
        stop.abort(); // wakes the workers still long-polling on the now empty queue
      }
    }
  });
  await Promise.all([created, ...workers.map((w) => w.catch(fail))]);
  if (failure) throw failure;
  return result;
}
