import { sql, type Kysely, type Transaction } from "kysely";
import type { ThreadInfo, ThreadPolicy, TtlStrategy } from "../domain/retention-policy.js";
import type { Database } from "./database-schema.js";

type Db = Kysely<Database> | Transaction<Database>;

const toNumber = (v: string | number | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const toDate = (v: Date | string | null | undefined): Date | undefined => (v === null || v === undefined ? undefined : new Date(v));

/** A policy row as a ThreadPolicy (undefined for no row). */
export function policyOf(row: Database["thread_retention"] | Record<string, unknown> | undefined): ThreadPolicy | undefined {
  if (row === undefined) return undefined;
  const r = row as {
    max_versions: number | null;
    max_age_ms: string | null;
    ttl_ms: string | null;
    ttl_strategy: string | null;
    pinned: boolean;
  };
  return {
    maxVersions: toNumber(r.max_versions),
    maxAgeMs: toNumber(r.max_age_ms),
    ttlMs: toNumber(r.ttl_ms),
    ttlStrategy: (r.ttl_strategy ?? undefined) as TtlStrategy | undefined,
    pinned: r.pinned,
  };
}

/** Replaces the thread's own policy; undefined removes it (the defaults apply again). */
export async function setRetention(db: Db, tenant: string, threadId: string, policy: ThreadPolicy | undefined): Promise<void> {
  if (policy === undefined) {
    await db.deleteFrom("thread_retention").where("tenant", "=", tenant).where("thread_id", "=", threadId).execute();
    return;
  }
  const row = {
    max_versions: policy.maxVersions ?? null,
    max_age_ms: policy.maxAgeMs ?? null,
    ttl_ms: policy.ttlMs ?? null,
    ttl_strategy: policy.ttlStrategy ?? null,
    pinned: policy.pinned,
    updated_at: new Date(),
  };
  await db
    .insertInto("thread_retention")
    .values({ tenant, thread_id: threadId, ...row })
    .onConflict((oc) => oc.columns(["tenant", "thread_id"]).doUpdateSet(row))
    .execute();
}

/**
 * The thread's size, clock and own policy in one statement. stored_bytes counts
 * the checkpoint rows (jsonb as stored) and the bytes of its channel values and
 * pending writes.
 */
export async function getThread(db: Db, tenant: string, threadId: string): Promise<ThreadInfo> {
  const { rows } = await sql<{
    checkpoint_count: string;
    namespaces: string[] | null;
    stored_bytes: string;
    created_at: Date | null;
    last_write_at: Date | null;
    touched_at: Date | null;
    policy: Record<string, unknown> | null;
  }>`
    select
      (select count(*) from checkpoints where tenant = ${tenant} and thread_id = ${threadId}) as checkpoint_count,
      (select array_agg(distinct checkpoint_ns order by checkpoint_ns) from checkpoints where tenant = ${tenant} and thread_id = ${threadId}) as namespaces,
      (coalesce((select sum(pg_column_size(checkpoint) + pg_column_size(metadata)) from checkpoints where tenant = ${tenant} and thread_id = ${threadId}), 0)
        + coalesce((select sum(coalesce(octet_length(blob), 0)) from checkpoint_blobs where tenant = ${tenant} and thread_id = ${threadId}), 0)
        + coalesce((select sum(octet_length(blob)) from checkpoint_writes where tenant = ${tenant} and thread_id = ${threadId}), 0)) as stored_bytes,
      c.created_at, c.last_write_at, c.touched_at,
      (select to_jsonb(r) from thread_retention r where r.tenant = ${tenant} and r.thread_id = ${threadId}) as policy
    from (select 1) as one
    left join thread_event_counters c on c.tenant = ${tenant} and c.thread_id = ${threadId}`.execute(db);
  const row = rows[0]!;
  const count = Number(row.checkpoint_count);
  return {
    threadId,
    checkpointCount: count,
    namespaces: row.namespaces ?? [],
    storedBytes: Number(row.stored_bytes),
    createdAt: count === 0 ? undefined : toDate(row.created_at),
    lastWriteAt: toDate(row.last_write_at),
    touchedAt: count === 0 ? undefined : toDate(row.touched_at),
    policy: row.policy === null ? undefined : policyOf(row.policy),
  };
}

/** A write that appends no event (CopyThread's target): the thread's clock moves as for one that does. */
export async function markWritten(db: Db, tenant: string, threadId: string): Promise<void> {
  await sql`insert into thread_event_counters (tenant, thread_id, last_event_id, created_at, last_write_at, touched_at)
    values (${tenant}, ${threadId}, 0, now(), now(), now())
    on conflict (tenant, thread_id) do update set created_at = coalesce(thread_event_counters.created_at, excluded.created_at),
      last_write_at = excluded.last_write_at, touched_at = excluded.touched_at`.execute(db);
}

/**
 * A read with --thread-ttl-refresh-on-read: the TTL counts from now. At most one
 * row write a second per thread (a thread read in a loop does not write in one).
 */
export async function touchThread(db: Db, tenant: string, threadId: string): Promise<void> {
  await sql`update thread_event_counters set touched_at = now()
    where tenant = ${tenant} and thread_id = ${threadId} and created_at is not null
      and (touched_at is null or touched_at < now() - interval '1 second')`.execute(db);
}

/** After a thread's rows are deleted: it holds nothing, its clock stops (its event numbering goes on). */
export async function clearClock(db: Db, tenant: string, threadIds: readonly string[]): Promise<void> {
  if (threadIds.length === 0) return;
  await db
    .updateTable("thread_event_counters")
    .set({ created_at: null, last_write_at: null, touched_at: null, compacted_through: "0" })
    .where("tenant", "=", tenant)
    .where("thread_id", "in", threadIds)
    .execute();
}
