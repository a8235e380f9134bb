import { CompiledQuery } from "kysely";
import type { Database } from "./database-schema.js";
import { withEvents, type ThreadEvents } from "./append-events.js";
import { parameterList, type ParameterList } from "./parameter-list.js";

/**
 * The statements of the write path (Put, PutWrites), written as SQL text with
 * bind parameters and run through Kysely's driver on both engines. These run
 * for every write, in groups of up to rowsPerInsert rows, and building and
 * compiling their query trees with Kysely's builder was about a tenth of the
 * server's CPU per Put. Each write is one statement: its inserts become CTEs
 * of the insert of its Watch events (see append-events.ts), so it is atomic by
 * itself and a single round trip.
 */

/** A Put as rows, ready to write alone or in a group. */
export interface PreparedPut extends ThreadEvents {
  blobs: Array<Database["checkpoint_blobs"]>;
  /** The chunks its chunked blobs name, distinct and sorted by hash. */
  chunks: Array<Database["value_chunks"]>;
  row: {
    tenant: string;
    thread_id: string;
    checkpoint_ns: string;
    checkpoint_id: string;
    parent_checkpoint_id: string | null;
    /** JSON text (jsonb). */
    checkpoint: string;
    /** JSON text (jsonb). */
    metadata: string;
    /** The checkpoint's ts as UTC text (see domain/checkpoint-time.ts), or null. */
    ts: string | null;
  };
}

type WriteRow = Database["checkpoint_writes"];

type ChunkRow = Database["value_chunks"];

/**
 * Chunks are insert-if-absent, and a chunk already there is locked (a DO UPDATE whose WHERE is
 * false updates nothing but locks the row until commit): the chunk sweep (free-chunks.ts) locks
 * what it deletes and looks again, so a write that names a stored chunk either keeps it alive or
 * waits and stores it anew. Rows must be distinct (one statement cannot lock a row twice) and in
 * hash order per thread, so that concurrent writes lock a thread's chunks in one order.
 */
const insertChunks = (p: ParameterList, chunks: readonly ChunkRow[]) =>
  `insert into value_chunks (tenant, thread_id, hash, data, size) values ` +
  chunks.map((c) => p.row(c.tenant, c.thread_id, c.hash, c.data, c.size)).join(", ") +
  ` on conflict (tenant, thread_id, hash) do update set data = value_chunks.data where false`;

const insertBlobs = (p: ParameterList, blobs: readonly Database["checkpoint_blobs"][]) =>
  `insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob, chunks) values ` +
  blobs.map((b) => p.row(b.tenant, b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob, b.chunks)).join(", ") +
  ` on conflict (tenant, thread_id, checkpoint_ns, channel, version) do nothing`;

const upsertCheckpoints = (p: ParameterList, puts: readonly PreparedPut[]) =>
  `insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata, ts) values ` +
  puts
    .map(({ row: r }) =>
      p.row(r.tenant, r.thread_id, r.checkpoint_ns, r.checkpoint_id, r.parent_checkpoint_id, r.checkpoint, r.metadata, r.ts),
    )
    .join(", ") +
  ` on conflict (tenant, thread_id, checkpoint_ns, checkpoint_id) do update set parent_checkpoint_id = excluded.parent_checkpoint_id, ` +
  `checkpoint = excluded.checkpoint, metadata = excluded.metadata, ts = excluded.ts ` +
  // The same Put again (a retry) changes no row, so it appends no event (see withEvents).
  `where (checkpoints.parent_checkpoint_id, checkpoints.checkpoint, checkpoints.metadata, checkpoints.ts) ` +
  `is distinct from (excluded.parent_checkpoint_id, excluded.checkpoint, excluded.metadata, excluded.ts)`;

/** Ordinary writes (idx ≥ 0) are insert-if-absent, so a retried PutWrites is idempotent; special ones (idx < 0) overwrite. */
const insertWrites = (p: ParameterList, writes: readonly WriteRow[], overwrite: boolean) =>
  `insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, chunks, task_path) values ` +
  writes
    .map((w) =>
      p.row(w.tenant, w.thread_id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.idx, w.channel, w.type, w.blob, w.chunks, w.task_path),
    )
    .join(", ") +
  ` on conflict (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx) do ` +
  (overwrite
    ? `update set channel = excluded.channel, type = excluded.type, blob = excluded.blob, chunks = excluded.chunks, task_path = excluded.task_path ` +
      `where (checkpoint_writes.channel, checkpoint_writes.type, checkpoint_writes.blob, checkpoint_writes.chunks, checkpoint_writes.task_path) ` +
      `is distinct from (excluded.channel, excluded.type, excluded.blob, excluded.chunks, excluded.task_path)`
    : `nothing`);

/** The Puts of distinct threads, sorted by (tenant, thread id) (at most rowsPerInsert rows in all): blobs, checkpoints, events. */
export function putStatement(puts: readonly PreparedPut[]): CompiledQuery {
  const p = parameterList();
  const blobs = puts.flatMap((put) => put.blobs);
  const chunks = puts.flatMap((put) => put.chunks);
  const inserts = [
    ...(chunks.length > 0 ? [insertChunks(p, chunks)] : []),
    ...(blobs.length > 0 ? [insertBlobs(p, blobs)] : []),
    upsertCheckpoints(p, puts),
  ];
  // A thread's checkpoint_saved event follows its checkpoint row: new or changed.
  return withEvents(p, inserts, puts, { changedBy: [inserts.length - 1] })!;
}

/** Channel values by themselves (a chunk of a Put with more than rowsPerInsert of them). */
export function blobsStatement(blobs: readonly Database["checkpoint_blobs"][]): CompiledQuery {
  const p = parameterList();
  return CompiledQuery.raw(insertBlobs(p, blobs), p.values);
}

/** Chunks by themselves (a part of a write with more than rowsPerInsert rows). */
export function chunksStatement(chunks: readonly ChunkRow[]): CompiledQuery {
  const p = parameterList();
  return CompiledQuery.raw(insertChunks(p, chunks), p.values);
}

/**
 * A task's writes and the chunks they name (each list at most rowsPerInsert rows in all; any may
 * be empty) and its thread's events; undefined when there is nothing to write.
 */
export function writesStatement(
  ordinary: readonly WriteRow[],
  special: readonly WriteRow[],
  thread: ThreadEvents,
  chunks: readonly ChunkRow[] = [],
): CompiledQuery | undefined {
  const p = parameterList();
  const inserts = [
    ...(chunks.length > 0 ? [insertChunks(p, chunks)] : []),
    ...(ordinary.length > 0 ? [insertWrites(p, ordinary, false)] : []),
    ...(special.length > 0 ? [insertWrites(p, special, true)] : []),
  ];
  // With writes, the events follow the write rows they inserted or changed (not the chunks); a retry of
  // the same writes appends none.
  const writeInserts = inserts.map((_, i) => i).slice(chunks.length > 0 ? 1 : 0);
  return withEvents(p, inserts, [thread], { changedBy: writeInserts.length > 0 ? writeInserts : undefined });
}
