import type { TenantEventHub } from "../events/event-hub.js";

const endings = new Set(["lease_released", "lease_expired", "thread_deleted"]);

/**
 * Resolves when the thread's log, after `afterEventId`, shows its lease ended
 * (released, expired, or the thread deleted), after `ms`, or when `signal`
 * aborts: a waiting AcquireLease sleeps on the thread's events, not a poll.
 */
export async function untilLeaseEnds(
  hub: TenantEventHub,
  threadId: string,
  afterEventId: bigint,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const item of hub.follow(threadId, afterEventId, stop.signal)) {
      if (item !== "heartbeat" && endings.has(item.kind)) return;
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
