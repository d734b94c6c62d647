// The pub/sub port. Commands publish after their transaction commits; gateway subscriptions and
// caches listen. In-process by default; Redis when several processes must see the same events.
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';

export type EventHandler = (payload: unknown) => void;

export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>>;
  /**
   * Calls `listener` after events may have been lost (the bus's connection dropped and is back):
   * whatever was built from events must be rebuilt. Returns a function that removes it.
   */
  onGap(listener: () => void): () => void;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(topic: string, payload: unknown): Promise<void> {
    // Most task and group topics have no subscriber: copying each status cost ~1.5 % of the
    // gateway's CPU in bench/queue-throughput. A subscriber that comes later was never owed it.
    if (this.emitter.listenerCount(topic) === 0) return;
    // Deliver on a later tick, as a network bus would, so publishers never run subscriber code.
    const copy = JSON.parse(JSON.stringify(payload ?? null));
    setImmediate(() => this.emitter.emit(topic, copy));
  }

  async subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>> {
    this.emitter.on(topic, handler);
    return async () => {
      this.emitter.off(topic, handler);
    };
  }

  onGap(): () => void {
    return () => undefined; // nothing in between to lose
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * Redis pub/sub: one publishing connection and one subscribing connection per process, with
 * local fan-out so a thousand subscribers to a topic cost one Redis subscription.
 */
const READY_PROBE = 'taskgate:bus-ready';

export class RedisEventBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly counts = new Map<string, number>();
  private readonly gaps = new EventEmitter().setMaxListeners(0);

  constructor(url: string) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false } as const;
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    // ioredis reconnects by itself and re-subscribes; errors are reported, not thrown.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.publisher.on('ready', () => connectedOnce.add(this.publisher));
    this.subscriber.on('message', (topic: string, message: string) => {
      this.local.emit(topic, JSON.parse(message));
    });
    this.subscriber.on('ready', () => void this.onReady());
  }

  /**
   * Messages published while the subscribing connection was down are gone. Once it is back and
   * its channels re-subscribed (the probe's reply comes after ioredis's re-subscriptions), the
   * listeners hear of the gap.
   */
  private async onReady(): Promise<void> {
    const first = !connectedOnce.has(this.subscriber);
    connectedOnce.add(this.subscriber);
    if (first) return;
    try {
      await this.subscriber.subscribe(READY_PROBE);
    } catch {
      return; // dropped again: the next 'ready' reports the gap
    }
    this.gaps.emit('gap');
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    await unlessAway(this.publisher, this.publisher.publish(topic, JSON.stringify(payload ?? null)));
  }

  onGap(listener: () => void): () => void {
    this.gaps.on('gap', listener);
    return () => void this.gaps.off('gap', listener);
  }

  async subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>> {
    this.local.on(topic, handler);
    const count = (this.counts.get(topic) ?? 0) + 1;
    this.counts.set(topic, count);
    if (count === 1) await unlessAway(this.subscriber, this.subscriber.subscribe(topic));
    return async () => {
      this.local.off(topic, handler);
      const left = (this.counts.get(topic) ?? 1) - 1;
      if (left > 0) return void this.counts.set(topic, left);
      this.counts.delete(topic);
      await unlessAway(this.subscriber, this.subscriber.unsubscribe(topic)).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.gaps.removeAllListeners();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}

/** How long a command waits for Redis to answer before going on without it. */
const REDIS_WAIT_MS = 1000;

/** Connections that have been ready once: until then the process is starting and waits for Redis. */
const connectedOnce = new WeakSet<Redis>();

/**
 * Waits for a Redis command's reply: fully while the process starts (nothing is lost before the
 * first connection), for at most REDIS_WAIT_MS while connected, and not at all while Redis is
 * away after that — the command waits in ioredis's queue and the caller goes on: a command that
 * published has committed and answers now, and a subscription made meanwhile hears of the gap
 * once Redis is back.
 */
async function unlessAway(connection: Redis, reply: Promise<unknown>): Promise<void> {
  if (!connectedOnce.has(connection) && connection.status !== 'ready') return void (await reply);
  reply.catch(() => undefined);
  if (connection.status !== 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([reply, new Promise((resolve) => (timer = setTimeout(resolve, REDIS_WAIT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function createEventBus(pubsubUrl: string | undefined): EventBus {
  return pubsubUrl ? new RedisEventBus(pubsubUrl) : new InProcessEventBus();
}
