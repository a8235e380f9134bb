import { sql, type Kysely, type Selectable } from "kysely";
import type { CheckpointTuple, PendingWrite } from "../domain/checkpoint.js";
import { decodeCheckpoint, versionKey } from "./checkpoint-codec.js";
import type { CheckpointsTable, Database } from "./database-schema.js";
import { assembleValue, chunkCountSql, chunkFramesSql } from "./assemble-value.js";

export type CheckpointRow = Pick<
  Selectable<CheckpointsTable>,
  "thread_id" | "checkpoint_ns" | "checkpoint_id" | "parent_checkpoint_id" | "checkpoint" | "metadata"
>;

export const checkpointColumns = ["thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "checkpoint", "metadata"] as const;

const sep = "\u0000";
const nsKey = (thread: string, ns: string) => `${thread}${sep}${ns}`;

/**
 * Turns a page of one tenant's checkpoint rows into full tuples with two more queries, one
 * for the channel values every row references and one for the pending writes
 * of every row: a bounded batch per page, never a query per checkpoint.
 */
export async function readTuples(db: Kysely<Database>, tenant: string, rows: readonly CheckpointRow[]): Promise<CheckpointTuple[]> {
  if (rows.length === 0) return [];
  const checkpoints = rows.map((r) => decodeCheckpoint(r.checkpoint_id, r.checkpoint));

  const blobKeys = new Map<string, [string, string, string, string]>();
  rows.forEach((row, i) => {
    for (const [channel, version] of Object.entries(checkpoints[i]!.channelVersions)) {
      const v = versionKey(version);
      blobKeys.set([row.thread_id, row.checkpoint_ns, channel, v].join(sep), [row.thread_id, row.checkpoint_ns, channel, v]);
    }
  });

  // One text[] per key column, not a list of row tuples: a checkpoint (or a page) can reference
  // thousands of channel versions, and a row-tuple IN list of ~10k hits Postgres's "stack depth
  // limit exceeded" (54001), 16k keys the protocol's 65535-parameter limit.
  const [threads, namespaces, channels, versions] = [0, 1, 2, 3].map((column) => [...blobKeys.values()].map((key) => key[column]!));

  const [blobs, writes] = await Promise.all([
    blobKeys.size === 0
      ? Promise.resolve([])
      : // The keys drive the join, each a primary-key probe: the plan has that shape whatever the
        // planner thinks the arrays hold. As `(…) in (select … from unnest(…))` a cached generic plan
        // (a named statement, after five runs) guessed ten keys and scanned every blob of the tenant
        // once per key: a List of a 10k-channel thread ran for minutes.
        sql<BlobRow>`
          select b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob, b.frames, b.chunk_count
          from unnest(${threads}::text[], ${namespaces}::text[], ${channels}::text[], ${versions}::text[]) as k(t, n, c, v)
          cross join lateral (
            select cb.thread_id, cb.checkpoint_ns, cb.channel, cb.version, cb.type, cb.blob,
              ${chunkFramesSql("cb")} as frames, ${chunkCountSql("cb")} as chunk_count
            from checkpoint_blobs cb
            where cb.tenant = ${tenant} and cb.thread_id = (k.t collate "C") and cb.checkpoint_ns = (k.n collate "C")
              and cb.channel = (k.c collate "C") and cb.version = (k.v collate "C")
            limit 1
          ) as b`
          .execute(db)
          .then((result) => result.rows),
    db
      .selectFrom("checkpoint_writes")
      .select([
        "thread_id",
        "checkpoint_ns",
        "checkpoint_id",
        "task_id",
        "channel",
        "type",
        "blob",
        "task_path",
        chunkFramesSql("checkpoint_writes").as("frames"),
        chunkCountSql("checkpoint_writes").as("chunk_count"),
      ])
      .where("tenant", "=", tenant)
      .where((eb) =>
        eb(
          eb.refTuple("thread_id", "checkpoint_ns", "checkpoint_id"),
          "in",
          rows.map((r) => eb.tuple(r.thread_id, r.checkpoint_ns, r.checkpoint_id)),
        ),
      )
      // Byte order, so that both engines and every locale agree.
      .orderBy(sql`task_path collate "C"`)
      .orderBy(sql`task_id collate "C"`)
      .orderBy("idx")
      .execute(),
  ]);
  return assembleTuples(rows, checkpoints, blobs, writes);
}

/** A chunked value's stored chunks (chunkFramesSql) and how many its list names; both null for an inline one. */
export interface ChunkedParts {
  frames: Uint8Array | null;
  chunk_count: number | null;
}
export type BlobRow = Pick<
  Selectable<Database["checkpoint_blobs"]>,
  "thread_id" | "checkpoint_ns" | "channel" | "version" | "type" | "blob"
> &
  ChunkedParts;
export type WriteRow = Pick<
  Selectable<Database["checkpoint_writes"]>,
  "thread_id" | "checkpoint_ns" | "checkpoint_id" | "task_id" | "channel" | "type" | "blob" | "task_path"
> &
  ChunkedParts;

/** A row's value: inline, or put back together from its chunks. */
const valueBytes = (row: { blob: Uint8Array | null } & ChunkedParts): Uint8Array | null =>
  row.chunk_count === null ? row.blob : assembleValue(row.frames, row.chunk_count);

/** Tuples from checkpoint rows (decoded), the blobs they reference and their writes in (task_path, task_id, idx) order. */
export function assembleTuples(
  rows: readonly CheckpointRow[],
  checkpoints: ReturnType<typeof decodeCheckpoint>[],
  blobs: readonly BlobRow[],
  writes: readonly WriteRow[],
): CheckpointTuple[] {
  const blobByKey = new Map(blobs.map((b) => [[b.thread_id, b.checkpoint_ns, b.channel, b.version].join(sep), b]));
  const writesByCheckpoint = new Map<string, PendingWrite[]>();
  for (const w of writes) {
    const key = nsKey(w.thread_id, w.checkpoint_ns) + sep + w.checkpoint_id;
    const list = writesByCheckpoint.get(key) ?? [];
    list.push({
      taskId: w.task_id,
      channel: w.channel,
      value: { type: w.type, data: valueBytes(w) ?? new Uint8Array() },
      taskPath: w.task_path,
    });
    writesByCheckpoint.set(key, list);
  }

  return rows.map((row, i) => {
    const checkpoint = checkpoints[i]!;
    for (const [channel, version] of Object.entries(checkpoint.channelVersions)) {
      const blob = blobByKey.get([row.thread_id, row.checkpoint_ns, channel, versionKey(version)].join(sep));
      if (blob?.type == null) continue;
      const data = valueBytes(blob);
      if (data !== null) checkpoint.channelValues[channel] = { type: blob.type, data };
    }
    return {
      key: { threadId: row.thread_id, checkpointNs: row.checkpoint_ns, checkpointId: row.checkpoint_id },
      checkpoint,
      metadata: (typeof row.metadata === "string" ? JSON.parse(row.metadata) : row.metadata) as CheckpointTuple["metadata"],
      parentCheckpointId: row.parent_checkpoint_id ?? undefined,
      pendingWrites: writesByCheckpoint.get(nsKey(row.thread_id, row.checkpoint_ns) + sep + row.checkpoint_id) ?? [],
    };
  });
}
