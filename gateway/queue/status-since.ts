// Resuming a task's status stream after a disconnect. A status's `changes` counts its changes of
// state so far (each run: created, started, resolved), so it orders a task's statuses and tells
// a client which ones it has seen. `taskStatusChanged(taskId, since)` sends the current status
// if it has more changes than `since`, then each live status with more changes than the last
// sent: every change of state once, in order, however the events of several gateways interleave.
// Changes made while the client was away arrive together, in one status whose runs show them.
import { FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { topics, type TaskStatusEvent } from '../../entities/queue/events';
import { changeCount, loadStatuses } from '../../entities/queue/status';
import type { Core } from '../../entities/core';
import { eventStream } from '../common/event-stream';
import { TaskStatusType } from './types';

@Resolver(() => TaskStatusType)
export class TaskStatusChangesResolver {
  @FieldResolver(() => Int, {
    description:
      'How many changes of state the task has had (each run’s creation, start and resolution); 0 while unscheduled. Pass the last value you saw as `since` to resume `taskStatusChanged`.',
  })
  changes(@Root() status: TaskStatusType): number {
    return changeCount(status);
  }
}

/** The task's statuses with more changes than `since`: the current one first, then live ones. */
export async function statusesSince(core: Core, taskId: string, since: number): Promise<AsyncIterableIterator<TaskStatusEvent>> {
  // Subscribe before reading, so a change between the read and the first event is not lost.
  const live = await eventStream<TaskStatusEvent>(core.events, topics.task(taskId));
  let sent = since;
  let current: TaskStatusEvent | undefined;
  try {
    const [status] = await loadStatuses(core.db.manager, [taskId]);
    if (status && changeCount(status) > since) current = { kind: 'task-changed', status };
  } catch (error) {
    await live.return!();
    throw error;
  }
  const stream: AsyncIterableIterator<TaskStatusEvent> = {
    async next() {
      if (current) {
        const event = current;
        current = undefined;
        sent = changeCount(event.status);
        return { value: event, done: false };
      }
      for (;;) {
        const result = await live.next();
        if (result.done) return result;
        const changes = changeCount(result.value.status);
        if (changes <= sent) continue;
        sent = changes;
        return result;
      }
    },
    return: () => live.return!(),
    throw: (error) => live.throw!(error),
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
