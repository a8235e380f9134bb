import { sql, type CompiledQuery, type Kysely } from "kysely";
import type { CheckpointKey, CheckpointTuple } from "../domain/checkpoint.js";
import { writeIndex } from "../domain/write-index.js";
import { checkpointTimeOf } from "../domain/checkpoint-time.js";
import { encodeCheckpoint, versionKey } from "./checkpoint-codec.js";
import type { ListQuery, PutCheckpointInput, PutWritesInput, Storage, TenantStorage, TupleQuery } from "./checkpoint-storage.js";
import type { NewEvent } from "../domain/thread-event.js";
import { createKyselyEventStorage } from "./kysely-event-storage.js";
import { createKyselyLeaseStorage } from "./kysely-lease-storage.js";
import type { Database } from "./database-schema.js";
import type { StorageMetrics } from "../metrics/storage-metrics.js";
import type { GroupTracer } from "../tracing/call-tracer.js";
import { createPutGrouper } from "./group-puts.js";
import { blobsStatement, chunksStatement, putStatement, writesStatement, type PreparedPut } from "./write-statements.js";
import { createValueChunker, type ChunkRow, type StorageCompression, type ValueChunker } from "./value-chunker.js";
import { chunkSizes } from "./cut-chunks.js";
import { settingDefaults } from "../config/setting-defaults.js";
import { readThreadStorage } from "./read-thread-storage.js";
import { inChunks, rowsPerInsert } from "./in-chunks.js";
import { fenceCheck } from "./append-events.js";
import { copyThread, deleteForRuns, deleteThread, prune } from "./maintain-threads.js";
import { checkpointColumns, readTuples } from "./read-tuples.js";
import { readOneTuple } from "./read-one-tuple.js";
import { getThread, setRetention, touchThread } from "./thread-retention.js";
import { readDeltaHistory } from "./read-delta-history.js";

export interface KyselyStorageOptions {
  db: Kysely<Database>;
  /** Checkpoints fetched per query while streaming List (default 100). */
  listPageSize?: number;
  /** Records the group-commit sizes; undefined: nothing recorded. */
  metrics?: StorageMetrics | undefined;
  /** Spans for group commits; undefined: no tracing. */
  tracer?: GroupTracer | undefined;
  /** How large values are cut into chunks (value-chunker.ts); default: the settings' defaults. */
  chunking?: StorageChunking | undefined;
}

/** The --storage-chunk-* and --storage-compression settings. */
export interface StorageChunking {
  /** Undefined: every value inline. */
  threshold: number | undefined;
  target: number;
  compression: StorageCompression;
}

function createChunker(chunking: StorageChunking): ValueChunker {
  const target = chunking.target;
  return createValueChunker({
    threshold: chunking.threshold,
    sizes: chunkSizes(2 ** Math.round(Math.log2(target))),
    compression: chunking.compression,
  });
}

/** A write's chunks for one thread, each once, in hash order (the lock order, see write-statements.ts). */
function distinctChunks(tenant: string, threadId: string, rows: readonly ChunkRow[]): Array<Database["value_chunks"]> {
  const byHash = new Map<string, ChunkRow>();
  for (const row of rows) byHash.set(row.hash.toString("latin1"), row);
  return [...byHash.values()]
    .sort((a, b) => Buffer.compare(a.hash, b.hash))
    .map((row) => ({ tenant, thread_id: threadId, hash: row.hash, data: row.data, size: row.size }));
}

/** Runs a statement of write-statements.ts, if there is one; returns the rows it wrote (0 without one). */
async function run(db: Kysely<Database>, statement: CompiledQuery | undefined): Promise<bigint> {
  if (statement === undefined) return 0n;
  return (await db.executeQuery(statement)).numAffectedRows ?? 0n;
}

/** Within a group a put's thread is (tenant, thread id); NUL is in neither (PostgreSQL text holds none). */
const threadKey = (p: PreparedPut) => `${p.tenant}\u0000${p.threadId}`;

/**
 * Storage on Kysely: one implementation for PostgreSQL and PGlite. Every
 * statement of a tenant's view filters by its tenant and writes it; the views
 * share the pool and the group commit of Puts.
 */
export function createKyselyStorage(options: KyselyStorageOptions): TenantStorage {
  const { db } = options;
  const chunker = createChunker(
    options.chunking ?? {
      threshold: settingDefaults.storageChunkThreshold,
      target: settingDefaults.storageChunkTarget,
      compression: settingDefaults.storageCompression,
    },
  );
  const pageSize = options.listPageSize ?? 100;

  /** Puts of distinct threads, sorted by thread id, as one statement (at most rowsPerInsert rows in all). */
  async function writePuts(puts: readonly PreparedPut[]): Promise<void> {
    await run(db, putStatement(puts));
  }

  async function writePut(put: PreparedPut): Promise<void> {
    if (put.blobs.length + put.chunks.length <= rowsPerInsert) return writePuts([put]);
    await db.transaction().execute(async (trx) => {
      for (const chunk of inChunks(put.chunks)) await run(trx, chunksStatement(chunk));
      for (const chunk of inChunks(put.blobs)) await run(trx, blobsStatement(chunk));
      await run(trx, putStatement([{ ...put, blobs: [], chunks: [] }]));
    });
  }

  // Concurrent Puts are written in groups: see group-puts.ts.
  const putGrouper = createPutGrouper<PreparedPut>({
    threadOf: threadKey,
    rowsOf: (p) => p.blobs.length + p.chunks.length + 1 + (p.events.length > 0 ? p.events.length + 1 : 0),
    maxRows: rowsPerInsert,
    writeGroup: writePuts,
    writeAlone: writePut,
    tracer: options.tracer,
    onGroup: options.metrics === undefined ? undefined : (size) => options.metrics!.groupSize.observe(size),
  });

  async function put(tenant: string, input: PutCheckpointInput, events: readonly NewEvent[] = []) {
    const { threadId, checkpointNs, checkpoint } = input;
    // A new version without a value (a channel emptied) gets no row: readTuples reads a missing
    // blob as an absent value, the same as a row whose type is null.
    const chunkRows: ChunkRow[] = [];
    const blobs = Object.entries(input.newVersions).flatMap(([channel, version]) => {
      const value = checkpoint.channelValues[channel];
      if (value === undefined) return [];
      const stored = chunker.split(value.data);
      chunkRows.push(...stored.rows);
      return [
        {
          tenant,
          thread_id: threadId,
          checkpoint_ns: checkpointNs,
          channel,
          version: versionKey(version),
          type: value.type,
          blob: stored.blob,
          chunks: stored.chunks,
        },
      ];
    });
    const row = {
      tenant,
      thread_id: threadId,
      checkpoint_ns: checkpointNs,
      checkpoint_id: checkpoint.id,
      parent_checkpoint_id: input.parentCheckpointId ?? null,
      checkpoint: encodeCheckpoint(checkpoint),
      metadata: JSON.stringify(input.metadata),
      ts: checkpointTimeOf(checkpoint.ts) ?? null,
    };
    const fence = events.length > 0 ? (input.fencingToken ?? 0n) : undefined;
    await putGrouper.put({ tenant, threadId, blobs, chunks: distinctChunks(tenant, threadId, chunkRows), row, events, fence });
    return { threadId, checkpointNs, checkpointId: checkpoint.id };
  }

  async function putWrites(tenant: string, input: PutWritesInput, events: readonly NewEvent[] = []) {
    const { key } = input;
    // One row per idx: for special channels the last write of the batch wins.
    const rows = new Map<number, Database["checkpoint_writes"]>();
    const chunkRows: ChunkRow[] = [];
    input.writes.forEach((w, position) => {
      const idx = writeIndex(w.channel, position);
      const stored = chunker.split(w.value.data);
      chunkRows.push(...stored.rows);
      rows.set(idx, {
        tenant,
        thread_id: key.threadId,
        checkpoint_ns: key.checkpointNs,
        checkpoint_id: key.checkpointId,
        task_id: input.taskId,
        idx,
        channel: w.channel,
        type: w.value.type,
        blob: stored.blob,
        chunks: stored.chunks,
        task_path: input.taskPath,
      });
    });
    const ordinary = [...rows.values()].filter((r) => r.idx >= 0);
    const special = [...rows.values()].filter((r) => r.idx < 0);
    const thread = { tenant, threadId: key.threadId, events, fence: events.length > 0 ? (input.fencingToken ?? 0n) : undefined };
    const noEvents = { tenant, threadId: key.threadId, events: [] };
    // Chunks of overwritten special writes too: harmless, the sweep frees what nothing names.
    const chunks = distinctChunks(tenant, key.threadId, chunkRows);
    if (rows.size + chunks.length <= rowsPerInsert) {
      await run(db, writesStatement(ordinary, special, thread, chunks));
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (const chunk of inChunks(chunks)) await run(trx, chunksStatement(chunk));
      let written = 0n;
      for (const chunk of inChunks(ordinary)) written += await run(trx, writesStatement(chunk, [], noEvents));
      for (const chunk of inChunks(special)) written += await run(trx, writesStatement([], chunk, noEvents));
      // A retry that wrote nothing new appends no second event (as in the one-statement case),
      // but a fenced one is still checked: a stale token is refused even when nothing changed.
      if (written > 0n) await run(trx, writesStatement([], [], thread));
      else if (thread.fence !== undefined) {
        await sql`select 1 from thread_event_counters c, (select ${String(thread.fence)}::bigint as token) e
          where c.tenant = ${tenant} and c.thread_id = ${key.threadId} and (${sql.raw(fenceCheck)})`.execute(trx);
      }
    });
  }

  async function hasCheckpoint(tenant: string, key: CheckpointKey): Promise<boolean> {
    const row = await db
      .selectFrom("checkpoints")
      .select("checkpoint_id")
      .where("tenant", "=", tenant)
      .where("thread_id", "=", key.threadId)
      .where("checkpoint_ns", "=", key.checkpointNs)
      .where("checkpoint_id", "=", key.checkpointId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async function* list(tenant: string, query: ListQuery, signal?: AbortSignal): AsyncGenerator<CheckpointTuple> {
    // Keyset pagination over a total order; columns fixed by the query drop out of the key.
    const keyColumns = [
      "checkpoint_id" as const,
      ...(query.threadId === undefined ? (["thread_id"] as const) : []),
      ...(query.checkpointNs === undefined ? (["checkpoint_ns"] as const) : []),
    ];
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    let cursor: string[] | undefined;
    while (remaining > 0) {
      signal?.throwIfAborted();
      let q = db.selectFrom("checkpoints").select(checkpointColumns).where("tenant", "=", tenant);
      if (query.threadId !== undefined) q = q.where("thread_id", "=", query.threadId);
      if (query.checkpointNs !== undefined) q = q.where("checkpoint_ns", "=", query.checkpointNs);
      if (query.checkpointId !== undefined) q = q.where("checkpoint_id", "=", query.checkpointId);
      if (query.beforeCheckpointId !== undefined) q = q.where("checkpoint_id", "<", query.beforeCheckpointId);
      if (query.filter !== undefined) q = q.where(sql<boolean>`metadata @> ${JSON.stringify(query.filter)}::jsonb`);
      if (query.afterTs !== undefined) q = q.where(sql<boolean>`ts > ${query.afterTs}::timestamptz`);
      if (query.beforeTs !== undefined) q = q.where(sql<boolean>`ts < ${query.beforeTs}::timestamptz`);
      if (cursor !== undefined) {
        const values = cursor;
        q = q.where(sql<boolean>`(${sql.join(keyColumns.map((c) => sql.ref(c)))}) < (${sql.join(values)})`);
      }
      for (const column of keyColumns) q = q.orderBy(column, "desc");
      const size = Math.min(pageSize, remaining);
      const rows = await q.limit(size).execute();
      yield* await readTuples(db, tenant, rows);
      const last = rows.at(-1);
      if (rows.length < size || last === undefined) return;
      cursor = keyColumns.map((c) => last[c]);
      remaining -= rows.length;
    }
  }

  const forTenant = (tenant: string): Storage => ({
    put: (input, events) => put(tenant, input, events),
    putWrites: (input, events) => putWrites(tenant, input, events),
    getTuple: (query: TupleQuery): Promise<CheckpointTuple | undefined> => readOneTuple(db, tenant, query),
    hasCheckpoint: (key) => hasCheckpoint(tenant, key),
    list: (query, signal) => list(tenant, query, signal),
    deltaChannelHistory: (query) => readDeltaHistory(db, tenant, query),
    ...createKyselyEventStorage(db, tenant),
    deleteThread: (threadId, events, fencingToken) => deleteThread(db, tenant, threadId, events, fencingToken),
    ...createKyselyLeaseStorage(db, tenant),
    copyThread: (source, target) => copyThread(db, tenant, source, target),
    deleteForRuns: (runIds) => deleteForRuns(db, tenant, runIds),
    prune: (threadIds, strategy, deletedEvent) => prune(db, tenant, threadIds, strategy, deletedEvent),
    getThread: (threadId) => getThread(db, tenant, threadId),
    setRetention: (threadId, policy) => setRetention(db, tenant, threadId, policy),
    touchThread: (threadId) => touchThread(db, tenant, threadId),
    threadStorage: (threadId) => readThreadStorage(db, tenant, threadId),
  });

  return {
    forTenant,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await putGrouper.settled();
      await db.destroy();
    },
  };
}
