// Queue upkeep jobs. Claim expiry and deadlines run every few seconds so a lapsed claim is
// retried promptly; deleting expired tasks is cheap to delay.
import { deleteExpiredTasks, expireClaims, resolveDeadlines } from '../../entities/queue/commands/upkeep';
import { deleteExpiredIndex } from '../../entities/index/upkeep';
import { deleteExpiredArtifacts } from '../../entities/queue/artifacts/upkeep';
import { deleteExpiredLogs } from '../../entities/queue/logs/upkeep';
import type { Job } from '../jobs';

export const queueJobs: Job[] = [
  { name: 'expire-claims', schedule: '*/5 * * * * *', run: expireClaims },
  { name: 'resolve-deadlines', schedule: '*/5 * * * * *', run: resolveDeadlines },
  { name: 'delete-expired-tasks', schedule: '0 */15 * * * *', run: deleteExpiredTasks },
  { name: 'delete-expired-artifacts', schedule: '0 */15 * * * *', run: deleteExpiredArtifacts },
  { name: 'delete-expired-index', schedule: '0 */15 * * * *', run: deleteExpiredIndex },
  { name: 'delete-expired-logs', schedule: '0 */15 * * * *', run: deleteExpiredLogs },
];
