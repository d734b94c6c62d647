// Runs the jobs on their schedules. A job still running when its next tick comes is not started
// again; each run is logged with how much it did.
import cron from 'node-cron';
import type { Core } from '../entities/core';
import type { Job } from './jobs';

export function startScheduler(core: Core, jobs: Job[]): { stop(): Promise<void> } {
  const running = new Map<string, Promise<void>>();
  const tasks = jobs.map((job) =>
    cron.schedule(job.schedule, () => {
      if (running.has(job.name)) return;
      const run = runOnce(core, job).finally(() => running.delete(job.name));
      running.set(job.name, run);
    }, { name: job.name, timezone: 'Etc/UTC' }),
  );
  // Catch up at start: a cron that was down does the work it missed now, not at the next tick.
  for (const job of jobs) running.set(job.name, runOnce(core, job).finally(() => running.delete(job.name)));
  return {
    async stop() {
      for (const task of tasks) await task.stop();
      await Promise.allSettled(running.values());
    },
  };
}

async function runOnce(core: Core, job: Job): Promise<void> {
  const started = Date.now();
  try {
    const count = await job.run(core);
    core.log.debug({ job: job.name, count, ms: Date.now() - started }, 'job done');
  } catch (error) {
    core.log.error({ job: job.name, err: error }, 'job failed; it runs again at its next tick');
  }
}
