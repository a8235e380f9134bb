/** Values of one kind (a channel's versions, or pending writes): what the client wrote and what is stored for it. */
export interface ValueStorage {
  count: number;
  /** Of them, stored as chunk lists. */
  chunkedCount: number;
  /** The values' bytes as written. */
  logicalBytes: number;
  /** Inline values, chunk lists and the distinct chunks they name (pg_column_size). */
  storedBytes: number;
}

/** What one thread stores (GetThreadStorage). */
export interface ThreadStorage {
  checkpointCount: number;
  /** The checkpoint rows without values (pg_column_size of checkpoint and metadata). */
  checkpointBytes: number;
  channels: Array<{ channel: string; values: ValueStorage }>;
  pendingWrites: ValueStorage;
  /** Distinct chunks of the thread and their stored bytes. */
  chunkCount: number;
  chunkBytes: number;
  /** Values and checkpoint rows, as written. */
  logicalBytes: number;
  /** Values (each chunk once) and checkpoint rows, as stored. */
  storedBytes: number;
}
