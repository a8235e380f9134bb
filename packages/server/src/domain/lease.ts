/** A thread's lease (issue 22): while live, only writes carrying its fencing token land. */
export interface Lease {
  threadId: string;
  leaseId: string;
  holder: string;
  /** Greater than every token the thread had before; 1 for its first lease. */
  fencingToken: bigint;
  /** By the database's clock. */
  expiresAt: Date;
  /** "held" is live only until expiresAt. */
  state: "held" | "released" | "expired";
  /** How long until expiresAt by the database's clock (0 once past): what a waiter should wait. */
  remainingMs: number;
  ttlMs: number;
}

/** Whether a lease is in force now (by the database's clock, as remainingMs was measured). */
export const isLive = (lease: Lease): boolean => lease.state === "held" && lease.remainingMs > 0;
