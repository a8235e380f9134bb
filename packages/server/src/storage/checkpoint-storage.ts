import type {
  ChannelVersion,
  Checkpoint,
  CheckpointKey,
  CheckpointTuple,
  JsonObject,
  PendingWrite,
  TypedValue,
} from "../domain/checkpoint.js";
import type { NewEvent } from "../domain/thread-event.js";
import type { ThreadInfo, ThreadPolicy } from "../domain/retention-policy.js";
import type { ThreadStorage } from "../domain/thread-storage.js";
import type { EventStorage } from "./event-storage.js";
import type { LeaseStorage } from "./lease-storage.js";

/**
 * One tenant's checkpoints and event log: what the service needs for a call.
 * Thread ids name threads of that tenant only; nothing reached through it
 * reads, changes or reveals another tenant's rows.
 */
export type Storage = CheckpointStorage & EventStorage & LeaseStorage;

/**
 * Storage of every tenant. Nothing but forTenant reaches the data, so each
 * caller names the tenant whose threads it means before any statement runs.
 */
export interface TenantStorage {
  /** The tenant's storage; cheap to call, and the views of one tenant share every resource. */
  forTenant(tenant: string): Storage;
  /** Cheap liveness probe of the backing database. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PutCheckpointInput {
  threadId: string;
  checkpointNs: string;
  parentCheckpointId: string | undefined;
  checkpoint: Checkpoint;
  metadata: JsonObject;
  /** Only these channels' values are stored; the rest are referenced by version. */
  newVersions: Record<string, ChannelVersion>;
  /** The thread's lease token the write carries; 0n or undefined: none (see lease-storage.ts). */
  fencingToken?: bigint | undefined;
}

export interface PutWritesInput {
  key: CheckpointKey;
  taskId: string;
  taskPath: string;
  writes: ReadonlyArray<Pick<PendingWrite, "channel" | "value">>;
  /** As PutCheckpointInput's. */
  fencingToken?: bigint | undefined;
}

export interface TupleQuery {
  threadId: string;
  checkpointNs: string;
  /** Undefined: the latest checkpoint of the thread and namespace. */
  checkpointId: string | undefined;
  /**
   * Point in time (UTC text, see domain/checkpoint-time.ts; never with checkpointId): the latest
   * checkpoint whose ts is at or before it. Caches must not answer these.
   */
  asOf?: string | undefined;
}

export interface ListQuery {
  /** Undefined: every thread of the tenant. */
  threadId: string | undefined;
  /** Undefined: every namespace. */
  checkpointNs: string | undefined;
  /** Exact checkpoint (LangGraph lists just that one when the config names it). */
  checkpointId: string | undefined;
  /** Metadata must contain this (JSON containment). */
  filter: JsonObject | undefined;
  /** Only checkpoints whose id is lower than this one. */
  beforeCheckpointId: string | undefined;
  limit: number | undefined;
  /** Only checkpoints whose ts is after this instant (exclusive; UTC text as asOf). */
  afterTs?: string | undefined;
  /** Only checkpoints whose ts is before this instant (exclusive). */
  beforeTs?: string | undefined;
}

export interface DeltaHistoryQuery {
  threadId: string;
  checkpointNs: string;
  /** Undefined: the latest checkpoint of the thread and namespace. */
  checkpointId: string | undefined;
  channels: readonly string[];
}

/** What one channel contributed along a checkpoint's ancestors (LangGraph's DeltaChannelHistory). */
export interface DeltaChannelHistory {
  /** Oldest ancestor first; within one, (task_path, task_id, idx) order. */
  writes: PendingWrite[];
  /** The value stored at the nearest ancestor that has one; undefined when the walk reached the root. */
  seed: TypedValue | undefined;
}

export type PruneStrategy = "keep_latest" | "delete";

export interface DeleteForRunsResult {
  deleted: number;
  /** The threads that lost checkpoints. */
  threadIds: string[];
}

/**
 * The storage boundary, within one tenant. Implementations must be safe for concurrent use.
 * Writes take the thread events they cause and append them in the same
 * transaction (see event-storage.ts).
 */
export interface CheckpointStorage {
  /**
   * Atomic; idempotent for the same checkpoint id. Writes with events are fenced: while the thread
   * has a live lease, one without its token fails (FAILED_PRECONDITION), and nothing is written.
   */
  put(input: PutCheckpointInput, events?: readonly NewEvent[]): Promise<CheckpointKey>;
  putWrites(input: PutWritesInput, events?: readonly NewEvent[]): Promise<void>;
  getTuple(query: TupleQuery): Promise<CheckpointTuple | undefined>;
  /** Whether that checkpoint is stored (read from the database, never from a cache). */
  hasCheckpoint(key: CheckpointKey): Promise<boolean>;
  /** Newest first, fetched page by page as the consumer pulls. */
  list(query: ListQuery, signal?: AbortSignal): AsyncIterable<CheckpointTuple>;
  /** Walks the checkpoint's parent chain in one statement; one entry per requested channel. */
  deltaChannelHistory(query: DeltaHistoryQuery): Promise<Record<string, DeltaChannelHistory>>;
  /**
   * Deletes the thread's checkpoints and its event log; `events` (thread_deleted) start the new log.
   * Fenced by `fencingToken` (0n: none) when there are events. The lease row stays: tokens only grow.
   */
  deleteThread(threadId: string, events?: readonly NewEvent[], fencingToken?: bigint): Promise<void>;
  copyThread(sourceThreadId: string, targetThreadId: string): Promise<void>;
  deleteForRuns(runIds: readonly string[]): Promise<DeleteForRunsResult>;
  /** For "delete", `deletedEvent` is appended to each thread's fresh log. */
  prune(threadIds: readonly string[], strategy: PruneStrategy, deletedEvent?: NewEvent): Promise<void>;
  /** The thread's size, clock and own retention policy (a thread with nothing stored: count 0). */
  getThread(threadId: string): Promise<ThreadInfo>;
  /** Replaces the thread's own retention policy; undefined removes it. */
  setRetention(threadId: string, policy: ThreadPolicy | undefined): Promise<void>;
  /** A read under --thread-ttl-refresh-on-read: the thread's TTL counts from now. */
  touchThread(threadId: string): Promise<void>;
  /** What the thread stores, logical and physical; undefined when it stores nothing. Read from the database. */
  threadStorage(threadId: string): Promise<ThreadStorage | undefined>;
}
