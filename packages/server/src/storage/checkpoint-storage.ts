import type { ChannelVersion, Checkpoint, CheckpointKey, CheckpointTuple, JsonObject, PendingWrite } from "../domain/checkpoint.js";
import type { NewEvent } from "../domain/thread-event.js";
import type { ThreadStorage } from "../domain/thread-storage.js";
import type { EventStorage } from "./event-storage.js";

/**
 * One tenant's checkpoints and event log: what the service needs for a call.
 * Thread ids name threads of that tenant only; nothing reached through it
 * reads, changes or reveals another tenant's rows.
 */
export type Storage = CheckpointStorage & EventStorage;

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
}

export interface PutWritesInput {
  key: CheckpointKey;
  taskId: string;
  taskPath: string;
  writes: ReadonlyArray<Pick<PendingWrite, "channel" | "value">>;
}

export interface TupleQuery {
  threadId: string;
  checkpointNs: string;
  /** Undefined: the latest checkpoint of the thread and namespace. */
  checkpointId: string | undefined;
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
  /** Atomic; idempotent for the same checkpoint id. */
  put(input: PutCheckpointInput, events?: readonly NewEvent[]): Promise<CheckpointKey>;
  putWrites(input: PutWritesInput, events?: readonly NewEvent[]): Promise<void>;
  getTuple(query: TupleQuery): Promise<CheckpointTuple | undefined>;
  /** Whether that checkpoint is stored (read from the database, never from a cache). */
  hasCheckpoint(key: CheckpointKey): Promise<boolean>;
  /** Newest first, fetched page by page as the consumer pulls. */
  list(query: ListQuery, signal?: AbortSignal): AsyncIterable<CheckpointTuple>;
  /** Deletes the thread's checkpoints and its event log; `events` (thread_deleted) start the new log. */
  deleteThread(threadId: string, events?: readonly NewEvent[]): Promise<void>;
  copyThread(sourceThreadId: string, targetThreadId: string): Promise<void>;
  deleteForRuns(runIds: readonly string[]): Promise<DeleteForRunsResult>;
  /** For "delete", `deletedEvent` is appended to each thread's fresh log. */
  prune(threadIds: readonly string[], strategy: PruneStrategy, deletedEvent?: NewEvent): Promise<void>;
  /** What the thread stores, logical and physical; undefined when it stores nothing. Read from the database. */
  threadStorage(threadId: string): Promise<ThreadStorage | undefined>;
}
