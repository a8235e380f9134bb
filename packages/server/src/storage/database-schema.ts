import type { ColumnType } from "kysely";

/**
 * Every thread-keyed table leads its keys with `tenant` (migration 0003): a
 * thread id names a thread only within its tenant.
 */
export interface CheckpointsTable {
  tenant: string;
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  /** The checkpoint without channel values; see checkpoint-codec.ts. */
  checkpoint: ColumnType<unknown, string, string>;
  metadata: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, never, never>;
}

export interface CheckpointBlobsTable {
  tenant: string;
  thread_id: string;
  checkpoint_ns: string;
  channel: string;
  version: string;
  /** Null when the channel had no value at this version (LangGraph's "empty"). */
  type: string | null;
  /** Null when the value is chunked (then `chunks` is set) or absent. */
  blob: Uint8Array | null;
  /** A chunked value's chunk hashes end to end (value_chunks, migration 0007); null when inline. */
  chunks: Uint8Array | null;
}

export interface CheckpointWritesTable {
  tenant: string;
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  task_id: string;
  idx: number;
  channel: string;
  type: string;
  /** Null when the value is chunked (then `chunks` is set). */
  blob: Uint8Array | null;
  /** A chunked value's chunk hashes end to end; null when inline. */
  chunks: Uint8Array | null;
  task_path: string;
}

/** A chunk of large values, stored once per (tenant, thread) under its hash (migration 0007). */
export interface ValueChunksTable {
  tenant: string;
  thread_id: string;
  /** SHA-256 of the chunk's bytes, first 16 bytes. */
  hash: Uint8Array;
  /** Codec byte (0 raw, 1 deflate, 2 brotli), then the bytes. */
  data: Uint8Array;
  /** The chunk's length uncompressed. */
  size: number;
}

export interface ThreadEventCountersTable {
  tenant: string;
  thread_id: string;
  last_event_id: ColumnType<string, string | number | bigint, string | number | bigint>;
}

export interface ThreadEventsTable {
  tenant: string;
  thread_id: string;
  /** bigint comes back as a string from pg; see kysely-event-storage.ts. */
  event_id: ColumnType<string, string | number | bigint, never>;
  checkpoint_ns: string;
  kind: string;
  body: Uint8Array;
  created_at: ColumnType<Date, never, never>;
}

export interface ResumesTable {
  tenant: string;
  thread_id: string;
  resume_id: string;
  checkpoint_ns: string;
  idempotency_key: string;
  body: Uint8Array;
  event_id: ColumnType<string, string | number | bigint, never>;
  claimed_by: string | null;
  claimed_at: ColumnType<Date | null, never, Date | null>;
  created_at: ColumnType<Date, never, never>;
}

export interface CacheFenceTable {
  id: number;
  /** bigint comes back as a string from pg. */
  epoch: ColumnType<string, string | number | bigint, string | number | bigint>;
}

export interface Database {
  cache_fence: CacheFenceTable;
  thread_event_counters: ThreadEventCountersTable;
  thread_events: ThreadEventsTable;
  resumes: ResumesTable;
  checkpoints: CheckpointsTable;
  checkpoint_blobs: CheckpointBlobsTable;
  checkpoint_writes: CheckpointWritesTable;
  value_chunks: ValueChunksTable;
}
