/** What a thread's event log holds: the events behind Watch, and resumes. */

export type EventKind =
  "checkpoint_saved" | "writes_saved" | "interrupted" | "resume_requested" | "resume_claimed" | "thread_deleted" | "checkpoints_pruned";

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
