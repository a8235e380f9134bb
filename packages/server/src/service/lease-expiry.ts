import type { Lease } from "../domain/lease.js";
import type { NewEvent } from "../domain/thread-event.js";
import type { TenantScope } from "./tenant-scopes.js";

/** After expiry by the database's clock, a little later by ours (the clocks need not agree to the millisecond). */
const slackMs = 25;

export interface LeaseExpiry {
  /** Records the lease's expiry (lease_expired) when it passes, unless renewed, released or taken before. */
  schedule(scope: TenantScope, lease: Lease): void;
  cancel(scope: TenantScope, threadId: string): void;
}

/**
 * One timer per leased thread on the replica that last granted or renewed its
 * lease: at expiry it records lease_expired (storage checks that the lease did
 * run out and is still the thread's, so a renewal through another replica wins)
 * and wakes the thread's watchers. Timers are unref'd: they never keep the
 * process alive. A lost timer (this replica gone) is no harm: the next
 * AcquireLease records the expiry, and waiters wake at expires_at anyway.
 */
export function createLeaseExpiry(expiredEvent: (lease: Lease) => NewEvent): LeaseExpiry {
  const timers = new Map<TenantScope["storage"], Map<string, NodeJS.Timeout>>();
  const of = (scope: TenantScope) => {
    let map = timers.get(scope.storage);
    if (map === undefined) timers.set(scope.storage, (map = new Map()));
    return map;
  };

  function cancel(scope: TenantScope, threadId: string) {
    const map = of(scope);
    clearTimeout(map.get(threadId));
    map.delete(threadId);
  }

  return {
    schedule(scope, lease) {
      cancel(scope, lease.threadId);
      const map = of(scope);
      const timer = setTimeout(() => {
        if (map.get(lease.threadId) === timer) map.delete(lease.threadId);
        scope.storage.expireLease(lease.threadId, lease.leaseId, expiredEvent).then(
          (recorded) => recorded && scope.hub.publish(lease.threadId),
          () => undefined, // storage down or closed: the next AcquireLease records it
        );
      }, lease.remainingMs + slackMs);
      timer.unref();
      map.set(lease.threadId, timer);
    },
    cancel,
  };
}
