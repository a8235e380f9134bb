/**
 * A bounded queue between producers (one per subscription) and one consumer
 * (the stream writer): push waits while the queue is full, so a slow reader
 * slows the producers instead of growing memory.
 */
export interface AsyncQueue<T> {
  push(item: T): Promise<void>;
  /** The consumer's next item; rejects with the failure once fail() was called and the queue is empty. */
  shift(): Promise<T>;
  fail(error: unknown): void;
}

export function createAsyncQueue<T>(capacity: number): AsyncQueue<T> {
  const items: T[] = [];
  let failure: { error: unknown } | undefined;
  let consumer: (() => void) | undefined;
  const producers: (() => void)[] = [];
  const wakeConsumer = () => {
    const c = consumer;
    consumer = undefined;
    c?.();
  };
  return {
    async push(item) {
      while (items.length >= capacity && failure === undefined) await new Promise<void>((resolve) => producers.push(resolve));
      if (failure !== undefined) return;
      items.push(item);
      wakeConsumer();
    },
    async shift() {
      while (items.length === 0) {
        if (failure !== undefined) throw failure.error;
        await new Promise<void>((resolve) => (consumer = resolve));
      }
      const item = items.shift() as T;
      producers.shift()?.();
      return item;
    },
    fail(error) {
      failure ??= { error };
      wakeConsumer();
      for (const p of producers.splice(0)) p();
    },
  };
}
