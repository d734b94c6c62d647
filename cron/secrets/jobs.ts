// Secrets upkeep: expired secrets already read as not found, so deleting them can wait a while.
import { deleteExpiredSecrets } from '../../entities/secrets/expire';
import type { Job } from '../jobs';

export const secretsJobs: Job[] = [{ name: 'delete-expired-secrets', schedule: '30 */10 * * * *', run: deleteExpiredSecrets }];
