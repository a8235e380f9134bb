import type { NewEvent, StoredEvent, StoredResume } from "../domain/thread-event.js";

export interface NewResume {
  threadId: string;
  resumeId: string;
  checkpointNs: string;
  /** "" for none; otherwise a second resume with the same key returns the first. */
  idempotencyKey: string;
  /** Opaque to storage: what the claimer gets back. */
  body: Uint8Array;
  /** The resume_requested event, appended in the same transaction. */
  event: NewEvent;
}

export interface ClaimInput {
  threadId: string;
  /** Undefined: the oldest unclaimed resume of the thread. */
  resumeId: string | undefined;
  workerId: string;
  /** The resume_claimed event for the resume that was claimed. */
  event: (resume: StoredResume) => NewEvent;
  /** The thread's lease token (0n: none): a claim is a write, fenced like Put. */
  fencingToken?: bigint | undefined;
}

/** The durable event log behind Watch, and resumes. Same database, same transactions as checkpoints. */
export interface EventStorage {
  /** Events with ids above afterEventId, oldest first. */
  readEvents(threadId: string, afterEventId: bigint, limit: number): Promise<StoredEvent[]>;
  /** Persists a resume and its event; returns the first one for a repeated idempotency key. */
  createResume(resume: NewResume): Promise<StoredResume & { created: boolean }>;
  /**
   * Exactly one worker's claim of a resume succeeds; undefined for the others (and when none is
   * pending). The winner claiming the same resume id again gets it again with `created: false` (a
   * retried claim whose answer was lost), and no second resume_claimed event is logged.
   */
  claimResume(claim: ClaimInput): Promise<(StoredResume & { created: boolean }) | undefined>;
}
