// The pub/sub port. Commands publish after their transaction commits; gateway subscriptions and
// caches listen. In-process by default; Redis when several processes must see the same events.
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';

export type EventHandler = (payload: unknown) => void;

export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(topic: string, payload: unknown): Promise<void> {
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

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * Redis pub/sub: one publishing connection and one subscribing connection per process, with
 * local fan-out so a thousand subscribers to a topic cost one Redis subscription.
 */
export class RedisEventBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly counts = new Map<string, number>();

  constructor(url: string) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false } as const;
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    // ioredis reconnects by itself and re-subscribes; errors are reported, not thrown.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (topic: string, message: string) => {
      this.local.emit(topic, JSON.parse(message));
    });
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    await this.publisher.publish(topic, JSON.stringify(payload ?? null));
  }

  async subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>> {
    this.local.on(topic, handler);
    const count = (this.counts.get(topic) ?? 0) + 1;
    this.counts.set(topic, count);
    if (count === 1) await this.subscriber.subscribe(topic);
    return async () => {
      this.local.off(topic, handler);
      const left = (this.counts.get(topic) ?? 1) - 1;
      if (left > 0) return void this.counts.set(topic, left);
      this.counts.delete(topic);
      await this.subscriber.unsubscribe(topic).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}

export function createEventBus(pubsubUrl: string | undefined): EventBus {
  return pubsubUrl ? new RedisEventBus(pubsubUrl) : new InProcessEventBus();
}
