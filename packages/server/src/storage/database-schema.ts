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
  /** The checkpoint's `ts` as an instant (migration 0008); null when it is not an ISO time with an offset. */
  ts: ColumnType<Date | null, string | null | undefined, string | null>;
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
  /** Whether the thread ever had a lease (migration 0006); only then does a write run the fencing check. */
  leased: ColumnType<boolean, boolean | undefined, boolean>;
  /** The thread's clock (0005_retention): null while the thread holds nothing (never written, or deleted). */
  created_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_write_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** What the TTL counts from: the last write, or read with --thread-ttl-refresh-on-read. */
  touched_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The highest event id trimmed from the log (0: none); a watcher asking for older ones gets OUT_OF_RANGE. */
  compacted_through: ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
}

/** A thread's own retention policy (SetRetention); null columns fall back to the server's defaults. */
export interface ThreadRetentionTable {
  tenant: string;
  thread_id: string;
  max_versions: number | null;
  max_age_ms: ColumnType<string | null, number | null, number | null>;
  ttl_ms: ColumnType<string | null, number | null, number | null>;
  ttl_strategy: string | null;
  pinned: boolean;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One row (id 1): the replica sweeping now, until when, and where the last pass stopped. */
export interface SweeperLeaseTable {
  id: number;
  holder: string | null;
  expires_at: Date | null;
  last_pass_at: Date | null;
  cursor_tenant: string | null;
  cursor_thread: string | null;
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

/** One row per thread that ever had a lease (migration 0006): the token only grows. */
export interface ThreadLeasesTable {
  tenant: string;
  thread_id: string;
  lease_id: string;
  holder: string;
  /** bigint comes back as a string from pg. */
  fencing_token: ColumnType<string, string | number | bigint, string | number | bigint>;
  ttl_ms: ColumnType<string, string | number | bigint, string | number | bigint>;
  /** "held" (live until expires_at), "released" or "expired". */
  state: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  acquired_at: ColumnType<Date, Date | string, Date | string>;
}

export interface Database {
  thread_leases: ThreadLeasesTable;
  cache_fence: CacheFenceTable;
  thread_retention: ThreadRetentionTable;
  sweeper_lease: SweeperLeaseTable;
  thread_event_counters: ThreadEventCountersTable;
  thread_events: ThreadEventsTable;
  resumes: ResumesTable;
  checkpoints: CheckpointsTable;
  checkpoint_blobs: CheckpointBlobsTable;
  checkpoint_writes: CheckpointWritesTable;
  value_chunks: ValueChunksTable;
}
