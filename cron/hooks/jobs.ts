// Hook jobs. Firing ticks every second: node-cron only wakes the process, the job scans the
// database for what is due (entities/hooks/fire.ts), so any number of cron processes fire each
// scheduled time exactly once, and a cron that was down catches up when it starts.
import { deleteOldFires, fireDueHooks } from '../../entities/hooks/fire';
import type { Job } from '../jobs';

export const hookJobs: Job[] = [
  { name: 'fire-hooks', schedule: '* * * * * *', run: (core) => fireDueHooks(core) },
  { name: 'delete-old-hook-fires', schedule: '0 7,37 * * * *', run: deleteOldFires },
];
