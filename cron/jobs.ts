// Every cron job: a name, a schedule, and a function of the core. Jobs are idempotent scans of
// the database, so running one twice (two cron replicas) or late (after downtime) is harmless.
import type { Core } from '../entities/core';
import { expireClients } from './auth/expire-clients';
import { hookJobs } from './hooks/jobs';
import { provisioningJobs } from './provisioning/jobs';
import { queueJobs } from './queue/jobs';
import { secretsJobs } from './secrets/jobs';

export interface Job {
  name: string;
  /** node-cron expression (six fields: seconds first). */
  schedule: string;
  run(core: Core): Promise<number>;
}

export const jobs: Job[] = [{ name: 'expire-clients', schedule: '0 */10 * * * *', run: expireClients }, ...queueJobs, ...secretsJobs, ...provisioningJobs, ...hookJobs];
