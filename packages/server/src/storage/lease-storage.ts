import type { Lease } from "../domain/lease.js";
import type { NewEvent } from "../domain/thread-event.js";

export interface AcquireLeaseInput {
  threadId: string;
  /** A fresh id for the new lease. */
  leaseId: string;
  holder: string;
  ttlMs: number;
  /** The lease_acquired event of the new lease. */
  acquiredEvent(lease: Lease): NewEvent;
  /** The lease_expired event of the previous lease, when it ran out without anyone noticing. */
  expiredEvent(lease: Lease): NewEvent;
}

export type AcquireLeaseResult =
  | { acquired: true; lease: Lease }
  /** lastEventId: the thread's last event id then, for a waiter to follow the log from. */
  | { acquired: false; current: Lease; lastEventId: bigint };

export type RenewLeaseResult = { renewed: true; lease: Lease } | { renewed: false; current: Lease | undefined };

/**
 * One tenant's thread leases, in the same database as the writes they fence.
 * Every change takes the thread's event-counter row lock before the lease row,
 * the same order as a fenced write (append-events.ts), so they never deadlock.
 * Times come from the database's clock: every replica agrees on expiry.
 */
export interface LeaseStorage {
  /** Takes the lease unless another one is live; the thread's token grows by one. */
  acquireLease(input: AcquireLeaseInput): Promise<AcquireLeaseResult>;
  /** Extends a live lease by ttlMs (undefined: its own ttl). */
  renewLease(threadId: string, leaseId: string, ttlMs: number | undefined): Promise<RenewLeaseResult>;
  /** Ends a live lease; false when it had already ended (then nothing changes). */
  releaseLease(threadId: string, leaseId: string, releasedEvent: (lease: Lease) => NewEvent): Promise<boolean>;
  /** Records that a lease ran out (state and event), if it did and is still the thread's; true when this call recorded it. */
  expireLease(threadId: string, leaseId: string, expiredEvent: (lease: Lease) => NewEvent): Promise<boolean>;
  /** The thread's latest lease, live or not; undefined when it never had one. */
  readLease(threadId: string): Promise<Lease | undefined>;
}
