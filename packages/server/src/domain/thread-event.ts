/** What a thread's event log holds: the events behind Watch, and resumes. */

export type EventKind =
  | "checkpoint_saved"
  | "writes_saved"
  | "interrupted"
  | "resume_requested"
  | "resume_claimed"
  | "thread_deleted"
  | "checkpoints_pruned"
  | "lease_acquired"
  | "lease_released"
  | "lease_expired";

/** Events about the thread as a whole (no namespace): a namespace filter never hides them. */
export const isThreadWideEvent = (kind: EventKind): boolean =>
  kind === "thread_deleted" || kind === "lease_acquired" || kind === "lease_released" || kind === "lease_expired";

/** An event to append with a write, in its transaction. The body is opaque to storage. */
export interface NewEvent {
  checkpointNs: string;
  kind: EventKind;
  body: Uint8Array;
}

export interface StoredEvent extends NewEvent {
  threadId: string;
  /** 1, 2, 3, ... per thread. */
  eventId: bigint;
  createdAt: Date;
}

export interface StoredResume {
  threadId: string;
  resumeId: string;
  checkpointNs: string;
  body: Uint8Array;
  eventId: bigint;
}
