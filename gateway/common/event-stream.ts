// Turns an event-bus topic into the AsyncIterable a GraphQL subscription returns. The bus
// subscription is made before the iterable is returned (no event lost between subscribe and the
// first pull) and dropped when the client unsubscribes or disconnects.
import type { EventBus } from '../../entities/events';

const MAX_BUFFERED = 10_000;

export async function eventStream<T>(
  events: EventBus,
  topic: string,
  accept: (payload: T) => boolean = () => true,
): Promise<AsyncIterableIterator<T>> {
  const buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;

  const unsubscribe = await events.subscribe(topic, (payload) => {
    if (done || !accept(payload as T)) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: payload as T, done: false });
    } else if (buffer.length < MAX_BUFFERED) {
      buffer.push(payload as T);
    } else {
      // A subscriber this far behind is cut off rather than holding memory without bound.
      void finish();
    }
  });

  async function finish(): Promise<IteratorResult<T>> {
    if (!done) {
      done = true;
      buffer.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      await unsubscribe();
    }
    return { value: undefined, done: true };
  }

  return {
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw: async (error) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this as AsyncIterableIterator<T>;
    },
  };
}
