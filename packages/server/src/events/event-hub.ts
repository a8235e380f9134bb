import type { StoredEvent } from "../domain/thread-event.js";
import type { TenantStorage } from "../storage/checkpoint-storage.js";
import type { WatchMetrics } from "../metrics/watch-metrics.js";
import type { EventBus } from "./event-bus.js";
import { threadTopic } from "./thread-topic.js";

export interface EventHubOptions {
  /** Each tenant's events are read through that tenant's view only. */
  storage: Pick<TenantStorage, "forTenant">;
  bus: EventBus;
  /** An idle follower gets a heartbeat this often, and re-reads storage (in case a notification was lost). */
  heartbeatMs: number;
  /** Events read per query (default 100). */
  pageSize?: number;
  /** Counts deliveries and bus traffic and the notify-to-delivery lag; undefined: nothing recorded. */
  metrics?: WatchMetrics | undefined;
}

/** The hub of every tenant: each view follows and publishes that tenant's threads only. */
export interface EventHub {
  forTenant(tenant: string): TenantEventHub;
}

/** One tenant's threads: a thread id names a thread of that tenant, on the bus too (see thread-topic.ts). */
export interface TenantEventHub {
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
  const { storage, bus, heartbeatMs, metrics } = options;
  const pageSize = options.pageSize ?? 100;

  async function* follow(
    tenant: string,
    threadId: string,
    afterEventId: bigint,
    signal: AbortSignal,
  ): AsyncGenerator<StoredEvent | "heartbeat"> {
    const events = storage.forTenant(tenant);
    let last = afterEventId;
    let pending = true;
    // Set by a notification: the events read next are live, and their lag is measured.
    let notified = false;
    let wake: (() => void) | undefined;
    const unsubscribe = bus.subscribe(threadTopic(tenant, threadId), () => {
      metrics?.busReceived.inc();
      notified = true;
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
        const live = notified;
        notified = false;
        for (;;) {
          const page = await events.readEvents(threadId, last, pageSize);
          for (const event of page) {
            last = event.eventId;
            if (metrics !== undefined) {
              metrics.eventsDelivered.inc();
              if (live) metrics.deliveryLag.observe(Math.max(0, Date.now() - event.createdAt.getTime()) / 1000);
            }
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
    const topics = [...queued];
    queued = new Set();
    metrics?.busPublished.inc(topics.length);
    // The bus logs its own failures and never rejects; the catch only keeps a broken bus from crashing the process.
    bus.publish(topics).catch(() => undefined);
  };
  const publish = (topic: string) => {
    if (queued.size === 0) setImmediate(flush);
    queued.add(topic);
  };

  return {
    forTenant: (tenant) => ({
      follow: (threadId, afterEventId, signal) => follow(tenant, threadId, afterEventId, signal),
      publish: (threadId) => publish(threadTopic(tenant, threadId)),
    }),
  };
}
