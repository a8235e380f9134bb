import { sql, type Kysely, type RawBuilder } from "kysely";
import type { PendingWrite, TypedValue } from "../domain/checkpoint.js";
import { Code, ServiceError } from "../errors/service-error.js";
import { versionKeySql } from "./checkpoint-codec.js";
import type { DeltaChannelHistory, DeltaHistoryQuery } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import { assembleValue, chunkCountSql, chunkFramesSql } from "./assemble-value.js";

/** Ancestors one walk visits at most: a parent chain longer than this (or a cycle of parents) is refused. */
export const maxDeltaHistoryDepth = 100_000;

interface HistoryRow {
  /** 0: a channel's seed, 1: one of its writes, 2: how many ancestors the walk visited (in depth). */
  part: number;
  depth: number | string | null;
  channel: string | null;
  task_id: string | null;
  task_path: string | null;
  type: string | null;
  blob: Uint8Array | null;
  /** A chunked value's chunks (assemble-value.ts), in the same statement; null for an inline one. */
  frames: Uint8Array | null;
  chunk_count: number | string | null;
}

/**
 * LangGraph's get_delta_channel_history in ONE statement: a recursive CTE walks
 * the parent chain from the checkpoint's parent (the checkpoint's own writes are
 * pending for the next step and do not count), each row carrying the channels
 * still without a seed when the walk reaches it. A channel drops out at the
 * nearest ancestor whose value is stored (a checkpoint_blobs row with a value,
 * what read-one-tuple.ts returns as channel_values), and the walk stops when
 * none is left or the chain ends. Writes come oldest ancestor first and, within
 * one, in (task_path, task_id, idx) byte order, the order getTuple returns them
 * in, so the result is the base class's walk over getTuple exactly.
 *
 * Each ancestor and each seed is a primary-key probe driven by the chain (lateral subqueries):
 * as joins, a generic plan made while the thread was short (the statement is named,
 * named-statement-pool.ts) scanned the thread's blobs once per ancestor (350 ms of a 354 ms
 * statement for 1,000 ancestors) or its checkpoints once per ancestor
 * (generic-plan-reads.int.test.ts).
 */
export async function readDeltaHistory(
  db: Kysely<Database>,
  tenant: string,
  query: DeltaHistoryQuery,
): Promise<Record<string, DeltaChannelHistory>> {
  const channels = [...new Set(query.channels)];
  const out: Record<string, DeltaChannelHistory> = {};
  for (const channel of channels) out[channel] = { writes: [], seed: undefined };
  if (channels.length === 0) return out;

  const thread = sql`tenant = ${tenant} and thread_id = ${query.threadId} and checkpoint_ns = ${query.checkpointNs}`;
  const byId = query.checkpointId === undefined ? sql`` : sql`and checkpoint_id = ${query.checkpointId}`;
  // Whether channel `ch` has a stored value at chain row `r` (its version in r.versions).
  const storedAt = (r: string, ch: string) => sql`(${sql.ref(`${r}.versions`)} ? ${sql.ref(ch)} and exists (
      select 1 from checkpoint_blobs b
      where b.tenant = ${tenant} and b.thread_id = ${query.threadId} and b.checkpoint_ns = ${query.checkpointNs}
        and b.channel = (${sql.ref(ch)} collate "C")
        and b.version = (${versionKeySql(sql`${sql.ref(`${r}.versions`)} -> ${sql.ref(ch)}`)} collate "C")
        and b.type is not null and (b.blob is not null or b.chunks is not null)))`;
  // One checkpoint of the chain by its id, through checkpoints_checkpoint_id_idx (tenant,
  // checkpoint_id). Asked with the thread's columns too, the planner may take checkpoints_ts_idx,
  // whose checkpoint_id comes after ts (a scan of the thread per ancestor), when it estimates a
  // thread at one row (many short threads): both look equally cheap. `offset 0` keeps the thread's
  // columns out of the index scan.
  const checkpointAt = (id: RawBuilder<unknown>) => sql`
    select checkpoint_id, parent_checkpoint_id, versions from (
      select thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint -> 'channel_versions' as versions
      from checkpoints where tenant = ${tenant} and checkpoint_id = (${id} collate "C") offset 0
    ) as byId where thread_id = ${query.threadId} and checkpoint_ns = ${query.checkpointNs} limit 1`;
  const { rows } = await sql<HistoryRow>`
    with recursive target as (
      select parent_checkpoint_id from checkpoints where ${thread} ${byId} order by checkpoint_id desc limit 1
    ),
    chain as (
      select c.checkpoint_id, c.parent_checkpoint_id, c.versions, 1 as depth, ${channels}::text[] as remaining
      from target t cross join lateral (${checkpointAt(sql`t.parent_checkpoint_id`)}) as c
      union all
      select p.checkpoint_id, p.parent_checkpoint_id, p.versions, r.depth + 1, n.remaining
      from chain r
      cross join lateral (select array(select ch from unnest(r.remaining) as u(ch) where not ${storedAt("r", "u.ch")}) as remaining) as n
      cross join lateral (${checkpointAt(sql`r.parent_checkpoint_id`)}) as p
      where cardinality(n.remaining) > 0 and r.depth <= ${maxDeltaHistoryDepth}
    ),
    seeds as (
      select distinct on (u.ch) u.ch as channel, r.depth, b.type, b.blob, b.frames, b.chunk_count
      from chain r
      cross join lateral unnest(r.remaining) as u(ch)
      cross join lateral (
        select b.type, b.blob, ${chunkFramesSql("b")} as frames, ${chunkCountSql("b")} as chunk_count
        from checkpoint_blobs b
        where b.tenant = ${tenant} and b.thread_id = ${query.threadId} and b.checkpoint_ns = ${query.checkpointNs}
          and b.channel = (u.ch collate "C") and b.version = (${versionKeySql(sql`r.versions -> u.ch`)} collate "C")
          and b.type is not null and (b.blob is not null or b.chunks is not null)
        limit 1
      ) as b
      where r.versions ? u.ch
      order by u.ch, r.depth
    )
    select * from (
      select 0 as part, depth, channel, null::text as task_id, null::text as task_path, 0 as idx, type, blob, frames, chunk_count
      from seeds
      union all
      select 1, r.depth, w.channel, w.task_id, w.task_path, w.idx, w.type, w.blob, ${chunkFramesSql("w")}, ${chunkCountSql("w")}
      from chain r
      join checkpoint_writes w on w.tenant = ${tenant} and w.thread_id = ${query.threadId} and w.checkpoint_ns = ${query.checkpointNs}
        and w.checkpoint_id = r.checkpoint_id and w.channel = any(r.remaining)
      union all
      select 2, max(depth), null, null, null, 0, null, null, null, null from chain
    ) as parts
    order by part, depth desc, task_path collate "C", task_id collate "C", idx`.execute(db);

  for (const row of rows) {
    if (row.part === 2) {
      if (Number(row.depth ?? 0) > maxDeltaHistoryDepth)
        throw new ServiceError(
          Code.FailedPrecondition,
          `the parent chain of the checkpoint is longer than ${maxDeltaHistoryDepth} checkpoints (or its parents form a cycle)`,
        );
      continue;
    }
    const entry = out[row.channel!];
    if (entry === undefined) continue;
    const data = row.blob ?? assembleValue(row.frames, Number(row.chunk_count ?? 0));
    const value: TypedValue = { type: row.type!, data };
    if (row.part === 0) entry.seed = value;
    else entry.writes.push({ taskId: row.task_id!, channel: row.channel!, value, taskPath: row.task_path! } satisfies PendingWrite);
  }
  return out;
}
