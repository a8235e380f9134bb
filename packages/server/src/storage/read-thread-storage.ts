import { sql, type Kysely } from "kysely";
import type { ThreadStorage, ValueStorage } from "../domain/thread-storage.js";
import type { Database } from "./database-schema.js";
import { hashBytes } from "./value-chunker.js";

interface ValueRow {
  channel: string;
  count: string | number;
  chunked_count: string | number;
  inline_logical: string | number | null;
  chunked_logical: string | number | null;
  row_stored: string | number | null;
  chunk_stored: string | number | null;
}

/**
 * Per channel (and for pending writes, channel null): versions, how many are
 * chunked, bytes as written (inline lengths plus the sizes of the chunks a
 * list names, repeats counted) and as stored (value and list columns plus the
 * distinct chunks named).
 */
function valueStorageSql(table: "checkpoint_blobs" | "checkpoint_writes", tenant: string, threadId: string, byChannel: boolean) {
  const channel = byChannel ? sql`channel` : sql`''::text`;
  return sql<ValueRow>`
    with v as (
      -- || '': the (TOASTed) list detoasted once here, not once per substring below.
      select ${channel} as channel, blob, chunks || ''::bytea as chunks from ${sql.table(table)} where tenant = ${tenant} and thread_id = ${threadId}
    ),
    refs as (
      select v.channel, substring(v.chunks from k.i * ${sql.lit(hashBytes)} + 1 for ${sql.lit(hashBytes)}) as hash
      from v, generate_series(0, length(v.chunks) / ${sql.lit(hashBytes)} - 1) as k(i) where v.chunks is not null
    ),
    rows as (
      select channel, count(*) as count, count(chunks) as chunked_count, sum(length(blob)) as inline_logical,
        sum(coalesce(pg_column_size(blob), 0) + coalesce(length(chunks), 0)) as row_stored
      from v group by channel
    ),
    logical as (
      select r.channel, sum(ch.size) as chunked_logical from refs r
      join value_chunks ch on ch.tenant = ${tenant} and ch.thread_id = ${threadId} and ch.hash = r.hash group by r.channel
    ),
    stored as (
      select d.channel, sum(pg_column_size(ch.data)) as chunk_stored from (select distinct channel, hash from refs) as d
      join value_chunks ch on ch.tenant = ${tenant} and ch.thread_id = ${threadId} and ch.hash = d.hash group by d.channel
    )
    select rows.channel, rows.count, rows.chunked_count, rows.inline_logical, logical.chunked_logical, rows.row_stored, stored.chunk_stored
    from rows left join logical on logical.channel = rows.channel left join stored on stored.channel = rows.channel
    order by rows.channel`;
}

const n = (value: string | number | null | undefined) => Number(value ?? 0);

const toValueStorage = (row: ValueRow | undefined): ValueStorage => ({
  count: n(row?.count),
  chunkedCount: n(row?.chunked_count),
  logicalBytes: n(row?.inline_logical) + n(row?.chunked_logical),
  storedBytes: n(row?.row_stored) + n(row?.chunk_stored),
});

/** What one thread of the tenant stores; undefined when it stores nothing. Read-only, a few statements. */
export async function readThreadStorage(db: Kysely<Database>, tenant: string, threadId: string): Promise<ThreadStorage | undefined> {
  // One pooled connection, the statements one after the other: a call for a large thread must not
  // hold four of the pool's connections while the calls that write or read checkpoints wait for one.
  const [checkpoints, channels, writes, chunks] = await db.connection().execute(
    async (c) =>
      [
        await sql<{ count: string | number; bytes: string | number | null }>`
      select count(*) as count, sum(pg_column_size(checkpoint) + pg_column_size(metadata)) as bytes
      from checkpoints where tenant = ${tenant} and thread_id = ${threadId}`.execute(c),
        await valueStorageSql("checkpoint_blobs", tenant, threadId, true).execute(c),
        await valueStorageSql("checkpoint_writes", tenant, threadId, false).execute(c),
        await sql<{ count: string | number; bytes: string | number | null }>`
      select count(*) as count, sum(pg_column_size(data)) as bytes
      from value_chunks where tenant = ${tenant} and thread_id = ${threadId}`.execute(c),
      ] as const,
  );
  const checkpointCount = n(checkpoints.rows[0]?.count);
  const pendingWrites = toValueStorage(writes.rows[0]);
  const chunkCount = n(chunks.rows[0]?.count);
  if (checkpointCount === 0 && channels.rows.length === 0 && pendingWrites.count === 0 && chunkCount === 0) return undefined;
  const checkpointBytes = n(checkpoints.rows[0]?.bytes);
  const chunkBytes = n(chunks.rows[0]?.bytes);
  const byChannel = channels.rows.map((row) => ({ channel: row.channel, values: toValueStorage(row) }));
  const all = [...byChannel.map((c) => c.values), pendingWrites];
  // Stored in total: each chunk once (the per-kind figures count a shared chunk in each kind).
  const rowBytes = n(writes.rows[0]?.row_stored) + channels.rows.reduce((sum, row) => sum + n(row.row_stored), 0);
  return {
    checkpointCount,
    checkpointBytes,
    channels: byChannel,
    pendingWrites,
    chunkCount,
    chunkBytes,
    logicalBytes: checkpointBytes + all.reduce((sum, v) => sum + v.logicalBytes, 0),
    storedBytes: checkpointBytes + rowBytes + chunkBytes,
  };
}
