import { sql, type RawBuilder, type Transaction } from "kysely";
import type { Database } from "./database-schema.js";
import { hashBytes } from "./value-chunker.js";

/** Every (thread_id, hash) that a blob or write of these threads names. */
export function chunkReferencesSql(tenant: string, threadIds: readonly string[]): RawBuilder<unknown> {
  const ids = sql`${[...threadIds]}::text[]`;
  // `|| ''` behind `offset 0` detoasts each (long, TOASTed) list once, not once per substring.
  return sql`
    select r.thread_id, substring(r.list from k.i * ${sql.lit(hashBytes)} + 1 for ${sql.lit(hashBytes)}) as hash
    from (
      select u.thread_id, u.chunks || ''::bytea as list from (
        select thread_id, chunks from checkpoint_blobs where tenant = ${tenant} and thread_id = any(${ids}) and chunks is not null
        union all
        select thread_id, chunks from checkpoint_writes where tenant = ${tenant} and thread_id = any(${ids}) and chunks is not null
      ) as u
      offset 0
    ) as r, generate_series(0, length(r.list) / ${sql.lit(hashBytes)} - 1) as k(i)`;
}

/**
 * Per-thread mark and sweep of value_chunks, inside the caller's transaction
 * (after it deleted blobs or writes): deletes the chunks of these threads that
 * no blob or write of theirs names. Safe beside concurrent writes: the
 * candidates are locked first (in hash order, the writers' order), then
 * looked at again by a statement with a fresh snapshot, which sees every
 * write that committed meanwhile. A writer naming a chunk locks it
 * (write-statements.ts): either the sweep waits for it and then sees its
 * reference, or it waits for the sweep and stores the chunk again.
 */
export async function freeChunks(trx: Transaction<Database>, tenant: string, threadIds: readonly string[]): Promise<number> {
  if (threadIds.length === 0) return 0;
  const ids = sql`${[...threadIds]}::text[]`;
  const { rows } = await sql<{ thread_id: string; hash: string }>`
    select ch.thread_id, encode(ch.hash, 'hex') as hash from value_chunks ch
    where ch.tenant = ${tenant} and ch.thread_id = any(${ids})
      and (ch.thread_id, ch.hash) not in (${chunkReferencesSql(tenant, threadIds)})
    order by ch.thread_id, ch.hash
    for update of ch`.execute(trx);
  if (rows.length === 0) return 0;
  const result = await sql`
    delete from value_chunks
    where tenant = ${tenant}
      and (thread_id, hash) in (
        select k.t collate "C", decode(k.h, 'hex')
        from unnest(${rows.map((r) => r.thread_id)}::text[], ${rows.map((r) => r.hash)}::text[]) as k(t, h))
      and (thread_id, hash) not in (${chunkReferencesSql(tenant, threadIds)})`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Gives the target thread the chunks the source's values name (locking those
 * it has already, as a write does); rows the target kept as they were may make
 * some of them unnamed, which the caller then frees.
 */
export async function copyChunks(trx: Transaction<Database>, tenant: string, source: string, target: string): Promise<void> {
  await sql`
    insert into value_chunks (tenant, thread_id, hash, data, size)
    select tenant, ${target}, hash, data, size from value_chunks
    where tenant = ${tenant} and thread_id = ${source}
      and hash in (select r.hash from (${chunkReferencesSql(tenant, [source])}) as r)
    order by hash
    on conflict (tenant, thread_id, hash) do update set data = value_chunks.data where false`.execute(trx);
}
