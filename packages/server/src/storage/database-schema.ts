import type { ColumnType } from "kysely";

export interface CheckpointsTable {
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
  thread_id: string;
  checkpoint_ns: string;
  channel: string;
  version: string;
  /** Null when the channel had no value at this version (LangGraph's "empty"). */
  type: string | null;
  blob: Uint8Array | null;
}

export interface CheckpointWritesTable {
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

export interface Database {
  checkpoints: CheckpointsTable;
  checkpoint_blobs: CheckpointBlobsTable;
  checkpoint_writes: CheckpointWritesTable;
}
