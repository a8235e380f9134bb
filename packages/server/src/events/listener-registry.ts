import type { Logger } from "pino";

/** The local listeners of each thread, shared by every EventBus implementation. */
export interface ListenerRegistry {
  /** Adds a listener; returns its removal. */
  add(threadId: string, listener: () => void): () => void;
  /** Calls the thread's listeners; one that throws is logged and the others still run. */
  notify(threadId: string): void;
  /** Calls every listener (after a reconnection, when notifications may have been lost). */
  notifyAll(): void;
  /** Whether no thread has a listener. */
  isEmpty(): boolean;
  clear(): void;
}

export function createListenerRegistry(logger?: Logger): ListenerRegistry {
  const listeners = new Map<string, Set<() => void>>();
  const call = (listener: () => void) => {
    try {
      listener();
    } catch (error) {
      logger?.error({ err: error instanceof Error ? error.message : String(error) }, "event bus listener failed");
    }
  };
  return {
    add(threadId, listener) {
      const set = listeners.get(threadId) ?? new Set();
      set.add(listener);
      listeners.set(threadId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(threadId) === set) listeners.delete(threadId);
      };
    },
    notify(threadId) {
      const set = listeners.get(threadId);
      if (set !== undefined) for (const listener of [...set]) call(listener);
    },
    notifyAll() {
      for (const set of [...listeners.values()]) for (const listener of [...set]) call(listener);
    },
    isEmpty: () => listeners.size === 0,
    clear: () => listeners.clear(),
  };
}
