import { InputError } from '../../errors';
import { TASK_QUEUE_ID } from '../task-definition';

const IDENTIFIER = /^[a-zA-Z0-9_-]{1,38}$/;

export function checkWorkerIdentity(workerGroup: string, workerId: string): void {
  if (!IDENTIFIER.test(workerGroup)) throw new InputError('workerGroup must be 1–38 characters of a-z A-Z 0-9 _ -', { field: 'workerGroup' });
  if (!IDENTIFIER.test(workerId)) throw new InputError('workerId must be 1–38 characters of a-z A-Z 0-9 _ -', { field: 'workerId' });
}

export function checkTaskQueueId(taskQueueId: string): void {
  if (!TASK_QUEUE_ID.test(taskQueueId)) throw new InputError(`taskQueueId "${taskQueueId}" must be <provisionerId>/<workerType>`, { field: 'taskQueueId' });
}
