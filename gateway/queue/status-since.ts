// Resuming status streams after a disconnect. A status's `changes` counts its changes of state so
// far (each run: created, started, resolved), so it orders a task's statuses and tells a client
// which ones it has seen. `taskStatusChanged(taskId, since)` sends the current status if it has
// more changes than `since`, then each live status with more changes than the last sent: every
// change of state once, in order, however the events of several gateways interleave. Changes
// made while the client was away arrive together, in one status whose runs show them.
//
// A group has no such counter of its own: `taskGroupChanged(taskGroupId, since)` takes a time
// (the latest `changedAt` the client saw) and sends first the current status of each task of the
// group defined or changed since then, then live statuses — each task's only when it has more
// changes than the last of that task sent.
import { FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Core } from '../../entities/core';
import { timeParam } from '../../entities/db/columns';
import { topics, type TaskStatusEvent } from '../../entities/queue/events';
import { changeCount, loadStatuses, type TaskStatusView } from '../../entities/queue/status';
import { eventStream } from '../common/event-stream';
import { TaskStatusType } from './types';

/**
 * How far before `since` a group resume looks: the times come from the clocks of the gateways
 * and crons that made the changes. A status the client saw in that margin may come again, with
 * the `changes` it had.
 */
export const GROUP_RESUME_MARGIN_MS = 5000;

@Resolver(() => TaskStatusType)
export class TaskStatusChangesResolver {
  @FieldResolver(() => Int, {
    description:
      'How many changes of state the task has had (each run’s creation, start and resolution); 0 while unscheduled. Pass the last value you saw as `since` to resume `taskStatusChanged`.',
  })
  changes(@Root() status: TaskStatusType): number {
    return changeCount(status);
  }

  @FieldResolver(() => DateTimeResolver, {
    nullable: true,
    description: 'When the task last changed state: the latest of its runs’ scheduled, started and resolved times; null before its first run. Pass the latest you saw as `since` to resume `taskGroupChanged`.',
  })
  changedAt(@Root() status: TaskStatusType): Date | null {
    return lastChange(status);
  }
}

function lastChange(status: Pick<TaskStatusView, 'runs'>): Date | null {
  let latest: Date | null = null;
  for (const run of status.runs) {
    for (const time of [run.scheduled, run.started, run.resolved]) if (time && (!latest || time > latest)) latest = time;
  }
  return latest;
}

/** The task's statuses with more changes than `since`: the current one first, then live ones. */
export async function statusesSince(core: Core, taskId: string, since: number): Promise<AsyncIterableIterator<TaskStatusEvent>> {
  return resumedStream(core, topics.task(taskId), new Map([[taskId, since]]), async () => {
    const [status] = await loadStatuses(core.db.manager, [taskId]);
    return status ? [status] : [];
  });
}

/** The group's statuses changed since `since` (less the margin), then live ones. */
export async function groupStatusesSince(core: Core, taskGroupId: string, since: Date): Promise<AsyncIterableIterator<TaskStatusEvent>> {
  return resumedStream(core, topics.group(taskGroupId), new Map(), async () => {
    const from = timeParam(core.db, new Date(since.getTime() - GROUP_RESUME_MARGIN_MS));
    const rows: { task_id: string }[] = await core.db.query(
      'SELECT `t`.`task_id` FROM `tasks` `t` WHERE `t`.`task_group_id` = ? AND (`t`.`created` >= ? OR EXISTS (' +
        'SELECT 1 FROM `task_runs` `r` WHERE `r`.`task_id` = `t`.`task_id` AND (`r`.`scheduled` >= ? OR `r`.`started` >= ? OR `r`.`resolved` >= ?)))',
      [taskGroupId, from, from, from, from],
    );
    const statuses = await loadStatuses(core.db.manager, rows.map((row) => row.task_id));
    return statuses.filter((status): status is TaskStatusView => status !== null);
  });
}

/**
 * Statuses read now, then live ones from `topic`; a task's status only when it has more changes
 * than the last of that task sent (`sent` starts with what the client has seen). Subscribes
 * before reading, so a change between the read and the first event is not lost.
 */
async function resumedStream(
  core: Core,
  topic: string,
  sent: Map<string, number>,
  read: () => Promise<TaskStatusView[]>,
): Promise<AsyncIterableIterator<TaskStatusEvent>> {
  const live = await eventStream<TaskStatusEvent>(core.events, topic);
  let current: TaskStatusView[];
  try {
    current = await read();
  } catch (error) {
    await live.return!();
    throw error;
  }
  let next = 0;
  const fresh = (status: TaskStatusView) => {
    const changes = changeCount(status);
    if (changes <= (sent.get(status.taskId) ?? -1)) return false;
    sent.set(status.taskId, changes);
    return true;
  };
  const stream: AsyncIterableIterator<TaskStatusEvent> = {
    async next() {
      while (next < current.length) {
        const status = current[next++];
        if (fresh(status)) return { value: { kind: 'task-changed', status }, done: false };
      }
      current = [];
      for (;;) {
        const result = await live.next();
        if (result.done || fresh(result.value.status)) return result;
      }
    },
    return: () => live.return!(),
    throw: (error) => live.throw!(error),
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
