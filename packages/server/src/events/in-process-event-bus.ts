import type { EventBus } from "./event-bus.js";
import { createListenerRegistry } from "./listener-registry.js";

/** One process, no network: the embedded default. */
export function createInProcessEventBus(): EventBus {
  const listeners = createListenerRegistry();
  return {
    async publish(threadIds) {
      for (const threadId of threadIds) listeners.notify(threadId);
    },
    subscribe: (threadId, listener) => listeners.add(threadId, listener),
    async close() {
      listeners.clear();
    },
  };
}
