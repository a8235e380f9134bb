import { sql, type Kysely } from "kysely";
import type { CheckpointTuple } from "../domain/checkpoint.js";
import { decodeCheckpoint, versionKeySql } from "./checkpoint-codec.js";
import type { TupleQuery } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import { chunkCountSql, chunkFramesSql } from "./assemble-value.js";
import { assembleTuples, type BlobRow, type CheckpointRow, type WriteRow } from "./read-tuples.js";

interface PartRow {
  /** 0: the checkpoint row, 1: a channel value it references, 2: one of its pending writes. */
  part: number;
  thread_id: string | null;
  checkpoint_ns: string | null;
  checkpoint_id: string | null;
  parent_checkpoint_id: string | null;
  checkpoint: unknown;
  metadata: unknown;
  channel: string | null;
  version: string | null;
  type: string | null;
  blob: Uint8Array | null;
  frames: Uint8Array | null;
  chunk_count: number | null;
  task_id: string | null;
  task_path: string | null;
}

/**
 * One checkpoint with its channel values and pending writes in ONE statement
 * (one round trip, one pooled connection): the checkpoint row, then a row per
 * referenced blob (found through the versions in its jsonb, see
 * versionKeySql; a primary-key lookup each, whatever the planner's statistics), then its writes in (task_path, task_id, idx) byte order, as
 * readTuples returns them. With `asOf`, the checkpoint is the latest whose ts is at or before it.
 */
export async function readOneTuple(db: Kysely<Database>, tenant: string, query: TupleQuery): Promise<CheckpointTuple | undefined> {
  const byId = query.checkpointId === undefined ? sql`` : sql`and checkpoint_id = ${query.checkpointId}`;
  // Point in time: one backward step of checkpoints_ts_idx (tenant, thread_id, checkpoint_ns, ts, checkpoint_id).
  const asOf = query.asOf === undefined ? sql`` : sql`and ts <= ${query.asOf}::timestamptz`;
  const order = query.asOf === undefined ? sql`checkpoint_id desc` : sql`ts desc, checkpoint_id desc`;
  const { rows } = await sql<PartRow>`
    with c as (
      select tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata
      from checkpoints
      where tenant = ${tenant} and thread_id = ${query.threadId} and checkpoint_ns = ${query.checkpointNs} ${byId} ${asOf}
      order by ${order}
      limit 1
    )
    select * from (
    select 0 as part, c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint, c.metadata,
      null::text as channel, null::text as version, null::text as type, null::bytea as blob,
      null::bytea as frames, null::integer as chunk_count,
      null::text as task_id, null::text as task_path, 0 as idx
    from c
    union all
    select 1, null, null, null, null, null, null, b.channel, b.version, b.type, b.blob, b.frames, b.chunk_count, null, null, 0
    from c
    cross join lateral jsonb_each(c.checkpoint -> 'channel_versions') as v(channel, stored)
    cross join lateral (
      select channel, version, type, blob, ${chunkFramesSql("cb")} as frames, ${chunkCountSql("cb")} as chunk_count
      from checkpoint_blobs cb
      where tenant = c.tenant and thread_id = c.thread_id and checkpoint_ns = c.checkpoint_ns
        and channel = (v.channel collate "C") and version = (${versionKeySql(sql`v.stored`)} collate "C")
      limit 1
    ) as b
    union all
    select 2, null, null, null, null, null, null, w.channel, null, w.type, w.blob, ${chunkFramesSql("w")}, ${chunkCountSql("w")},
      w.task_id, w.task_path, w.idx
    from c
    join checkpoint_writes w on w.tenant = c.tenant and w.thread_id = c.thread_id and w.checkpoint_ns = c.checkpoint_ns and w.checkpoint_id = c.checkpoint_id
    ) as parts
    order by part, task_path collate "C", task_id collate "C", idx`.execute(db);
  const [head] = rows;
  if (head === undefined || head.part !== 0) return undefined;
  const row = head as CheckpointRow & PartRow;
  const blobs: BlobRow[] = [];
  const writes: WriteRow[] = [];
  for (const r of rows) {
    if (r.part === 1) {
      blobs.push({
        thread_id: row.thread_id,
        checkpoint_ns: row.checkpoint_ns,
        channel: r.channel!,
        version: r.version!,
        type: r.type,
        blob: r.blob,
        frames: r.frames,
        chunk_count: r.chunk_count,
      });
    } else if (r.part === 2) {
      writes.push({
        thread_id: row.thread_id,
        checkpoint_ns: row.checkpoint_ns,
        checkpoint_id: row.checkpoint_id,
        task_id: r.task_id!,
        channel: r.channel!,
        type: r.type!,
        blob: r.blob,
        frames: r.frames,
        chunk_count: r.chunk_count,
        task_path: r.task_path!,
      });
    }
  }
  const [tuple] = assembleTuples([row], [decodeCheckpoint(row.checkpoint_id, row.checkpoint)], blobs, writes);
  return tuple;
}
