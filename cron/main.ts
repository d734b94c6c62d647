// Entry point of a cron process: `npm run cron`.
import 'reflect-metadata';
import { startProcess } from '../entities/process';
import { jobs } from './jobs';
import { startScheduler } from './scheduler';

void startProcess('cron', async (core) => {
  const scheduler = startScheduler(core, jobs);
  core.log.info({ jobs: jobs.map((j) => j.name) }, 'cron started');
  return () => scheduler.stop();
});
