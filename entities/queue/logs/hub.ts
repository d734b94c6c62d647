// One bus subscription per followed run log in this process, shared by every taskLog stream that
// follows it. Each stream used to hold two bus listeners of its own; with 5,000 subscribers on
// one log that was 10,000 listeners called per batch and 4 closures kept per subscriber. The hub
// hands each batch, parsed once, to every stream: the same object, so a caught-up stream can
// send it as is and the gateway can build that message's result once for all of them.
import type { EventBus } from '../../events';
import { topics, type TaskStatusEvent } from '../events';
import type { LogLinesView } from './rules';

export interface LogFollower {
  onLines(batch: LogLinesView): void;
  onStatus(event: TaskStatusEvent): void;
}

const hubs = new WeakMap<EventBus, Map<string, LogHub>>();

/**
 * Starts handing `follower` the run's batches and the task's status events; resolves once the
 * bus subscription is in place (a stream reads the store only after that, so no batch falls
 * between the read and the live lines). Answers a function that stops.
 */
export async function followLog(bus: EventBus, taskId: string, runId: number, follower: LogFollower): Promise<() => Promise<void>> {
  const byKey = hubs.get(bus) ?? new Map<string, LogHub>();
  hubs.set(bus, byKey);
  const key = `${taskId}/${runId}`;
  const hub =
    byKey.get(key) ??
    new LogHub(bus, taskId, runId, function forget(this: void) {
      if (byKey.get(key) === hub) byKey.delete(key);
    });
  byKey.set(key, hub);
  hub.followers.add(follower);
  try {
    await hub.ready;
  } catch (error) {
    await hub.leave(follower);
    throw error;
  }
  return () => hub.leave(follower);
}

class LogHub {
  readonly followers = new Set<LogFollower>();
  readonly ready: Promise<void>;
  private readonly subscriptions: Promise<PromiseSettledResult<() => Promise<void>>[]>;

  constructor(
    bus: EventBus,
    taskId: string,
    private readonly runId: number,
    private readonly forget: () => void,
  ) {
    this.subscriptions = Promise.allSettled([
      bus.subscribe(topics.log(taskId, runId), (payload) => this.lines(payload as LogLinesView)),
      bus.subscribe(topics.task(taskId), (payload) => this.status(payload as TaskStatusEvent)),
    ]);
    this.ready = this.subscriptions.then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        // A hub that could not subscribe must not be reused: the next follower tries afresh.
        this.forget();
        throw failed.reason;
      }
    });
    this.ready.catch(() => undefined);
  }

  async leave(follower: LogFollower): Promise<void> {
    if (!this.followers.delete(follower) || this.followers.size) return;
    this.forget();
    for (const result of await this.subscriptions) {
      if (result.status === 'fulfilled') await result.value().catch(() => undefined);
    }
  }

  private lines(batch: LogLinesView): void {
    if (!Array.isArray(batch?.lines)) return;
    for (const follower of this.followers) follower.onLines(batch);
  }

  private status(event: TaskStatusEvent): void {
    if (!event?.status?.runs?.some((r) => r.runId === this.runId)) return;
    for (const follower of this.followers) follower.onStatus(event);
  }
}
