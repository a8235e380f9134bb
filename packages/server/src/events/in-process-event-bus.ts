import type { EventBus } from "./event-bus.js";

/** One process, no network: the embedded default. */
export function createInProcessEventBus(): EventBus {
  const listeners = new Map<string, Set<() => void>>();
  return {
    async publish(threadId) {
      for (const listener of listeners.get(threadId) ?? []) listener();
    },
    subscribe(threadId, listener) {
      const set = listeners.get(threadId) ?? new Set();
      set.add(listener);
      listeners.set(threadId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(threadId);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
