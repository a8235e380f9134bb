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
  blob: Uint8Array | null;
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
  blob: Uint8Array;
  task_path: string;
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
}
