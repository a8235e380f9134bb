import type { StoredEvent } from "../domain/thread-event.js";
import type { EventStorage } from "../storage/event-storage.js";
import type { EventBus } from "./event-bus.js";

export interface EventHubOptions {
  storage: EventStorage;
  bus: EventBus;
  /** An idle follower gets a heartbeat this often, and re-reads storage (in case a notification was lost). */
  heartbeatMs: number;
  /** Events read per query (default 100). */
  pageSize?: number;
}

export interface EventHub {
  /**
   * A thread's events with ids above afterEventId, oldest first: first what is
   * stored, then each new event as it commits, from any replica; "heartbeat"
   * when idle. Every event is read from storage by id, so there is no gap and
   * no duplicate at the seam between replay and live. Ends when signal aborts.
   */
  follow(threadId: string, afterEventId: bigint, signal: AbortSignal): AsyncGenerator<StoredEvent | "heartbeat">;
  /**
   * After a transaction that appended events to the thread committed: wakes the
   * thread's followers on every replica. The caller does not wait for the bus
   * (its answer does not depend on it: the events are stored, and a follower
   * reads them from storage); a lost notification costs a heartbeat interval.
   * The threads published in one event-loop turn (a Batch's writes, say) go to
   * the bus together, at the next `setImmediate`: one message, not one each.
   */
  publish(threadId: string): void;
}

export function createEventHub(options: EventHubOptions): EventHub {
  const { storage, bus, heartbeatMs } = options;
  const pageSize = options.pageSize ?? 100;

  async function* follow(threadId: string, afterEventId: bigint, signal: AbortSignal): AsyncGenerator<StoredEvent | "heartbeat"> {
    let last = afterEventId;
    let pending = true;
    let wake: (() => void) | undefined;
    const unsubscribe = bus.subscribe(threadId, () => {
      pending = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (!pending) {
          let timer: NodeJS.Timeout | undefined;
          const woken = await new Promise<boolean>((resolve) => {
            wake = () => resolve(true);
            timer = setTimeout(() => resolve(false), heartbeatMs);
          });
          clearTimeout(timer);
          wake = undefined;
          if (signal.aborted) return;
          if (!woken) yield "heartbeat";
        }
        pending = false;
        for (;;) {
          const page = await storage.readEvents(threadId, last, pageSize);
          for (const event of page) {
            last = event.eventId;
            yield event;
            if (signal.aborted) return;
          }
          if (page.length < pageSize) break;
        }
      }
    } finally {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    }
  }

  let queued = new Set<string>();
  const flush = () => {
    const threadIds = [...queued];
    queued = new Set();
    // The bus logs its own failures and never rejects; the catch only keeps a broken bus from crashing the process.
    bus.publish(threadIds).catch(() => undefined);
  };

  return {
    follow,
    publish(threadId) {
      if (queued.size === 0) setImmediate(flush);
      queued.add(threadId);
    },
  };
}
