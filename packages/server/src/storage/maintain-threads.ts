import { sql, type Kysely, type Transaction } from "kysely";
import { versionKeySql } from "./checkpoint-codec.js";
import type { DeleteForRunsResult, PruneStrategy } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import type { NewEvent } from "../domain/thread-event.js";
import { appendEvents } from "./append-events.js";
import { clearClock, markWritten } from "./thread-retention.js";
import { copyChunks, freeChunks } from "./free-chunks.js";

/** Every function here runs on one tenant's rows: each statement filters by `tenant` and writes it. */
export async function deleteThread(
  db: Kysely<Database>,
  tenant: string,
  threadId: string,
  events: readonly NewEvent[] = [],
  fencingToken?: bigint,
): Promise<void> {
  await deleteThreads(db, tenant, [threadId], events, events.length > 0 ? (fencingToken ?? 0n) : undefined);
}

/**
 * Deletes the threads' checkpoints, values, writes, resumes and events. The event
 * counter stays, so `events` (thread_deleted) continue the numbering: a watcher
 * that reconnects after the deletion sees it, and nothing of the old thread.
 */
async function deleteThreads(
  db: Kysely<Database>,
  tenant: string,
  threadIds: readonly string[],
  events: readonly NewEvent[] = [],
  fence?: bigint,
): Promise<void> {
  if (threadIds.length === 0) return;
  await db.transaction().execute((trx) => deleteThreadRows(trx, tenant, threadIds, events, fence));
}

/**
 * deleteThreads inside the caller's transaction (the sweeper's, too). The
 * thread's clock stops (it holds nothing), so `events` do not restart it. A
 * fenced deletion's check runs with the events, after the deletes: refused,
 * nothing of them commits.
 */
export async function deleteThreadRows(
  trx: Transaction<Database>,
  tenant: string,
  threadIds: readonly string[],
  events: readonly NewEvent[],
  fence?: bigint,
): Promise<DeletedRows> {
  const deleted: DeletedRows = { checkpoints: 0, writes: 0, values: 0, chunks: 0, resumes: 0, events: 0 };
  for (const [table, count] of deletedTables) {
    const { numDeletedRows } = await trx
      .deleteFrom(table)
      .where("tenant", "=", tenant)
      .where("thread_id", "in", threadIds)
      .executeTakeFirst();
    deleted[count] = Number(numDeletedRows);
  }
  await clearClock(trx, tenant, threadIds);
  for (const threadId of threadIds) await appendEvents(trx, tenant, threadId, events, { fence, touch: false });
  return deleted;
}

/** A thread's tables in the order its rows are deleted, each with the count it adds to. */
const deletedTables = [
  ["checkpoint_writes", "writes"],
  ["checkpoint_blobs", "values"],
  ["value_chunks", "chunks"],
  ["checkpoints", "checkpoints"],
  ["resumes", "resumes"],
  ["thread_events", "events"],
] as const;

/** Rows a deletion removed, by what they hold (the sweeper counts them into its metrics). */
export interface DeletedRows {
  checkpoints: number;
  /** Pending writes (checkpoint_writes). */
  writes: number;
  /** Channel values (checkpoint_blobs). */
  values: number;
  /** Chunks of large values (value_chunks). */
  chunks: number;
  resumes: number;
  events: number;
}

/** What garbage collection removed: the rows nothing that remains refers to. */
export type CollectedGarbage = Pick<DeletedRows, "writes" | "values" | "chunks">;

/**
 * Copies every row of the source thread into the target of the same tenant; rows the target
 * already has are kept as they are. The target gets the chunks the source's values name, and
 * keeps none that its rows do not name.
 */
export async function copyThread(db: Kysely<Database>, tenant: string, source: string, target: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("checkpoints")
      .columns(["tenant", "thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "checkpoint", "metadata", "ts"])
      .expression((eb) =>
        eb
          .selectFrom("checkpoints")
          .select([
            "tenant",
            eb.val(target).as("thread_id"),
            "checkpoint_ns",
            "checkpoint_id",
            "parent_checkpoint_id",
            "checkpoint",
            "metadata",
            "ts",
          ])
          .where("tenant", "=", tenant)
          .where("thread_id", "=", source),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto("checkpoint_blobs")
      .columns(["tenant", "thread_id", "checkpoint_ns", "channel", "version", "type", "blob", "chunks"])
      .expression((eb) =>
        eb
          .selectFrom("checkpoint_blobs")
          .select(["tenant", eb.val(target).as("thread_id"), "checkpoint_ns", "channel", "version", "type", "blob", "chunks"])
          .where("tenant", "=", tenant)
          .where("thread_id", "=", source),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto("checkpoint_writes")
      .columns([
        "tenant",
        "thread_id",
        "checkpoint_ns",
        "checkpoint_id",
        "task_id",
        "idx",
        "channel",
        "type",
        "blob",
        "chunks",
        "task_path",
      ])
      .expression((eb) =>
        eb
          .selectFrom("checkpoint_writes")
          .select([
            "tenant",
            eb.val(target).as("thread_id"),
            "checkpoint_ns",
            "checkpoint_id",
            "task_id",
            "idx",
            "channel",
            "type",
            "blob",
            "chunks",
            "task_path",
          ])
          .where("tenant", "=", tenant)
          .where("thread_id", "=", source),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    await markWritten(trx, tenant, target);
    await copyChunks(trx, tenant, source, target);
    await freeChunks(trx, tenant, [target]);
  });
}

export async function deleteForRuns(db: Kysely<Database>, tenant: string, runIds: readonly string[]): Promise<DeleteForRunsResult> {
  if (runIds.length === 0) return { deleted: 0, threadIds: [] };
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom("checkpoints")
      .where("tenant", "=", tenant)
      .where(sql`metadata->>'run_id'`, "in", runIds)
      .returning(["thread_id"])
      .execute();
    const threads = [...new Set(deleted.map((r) => r.thread_id))];
    await collectGarbage(trx, tenant, threads);
    return { deleted: deleted.length, threadIds: threads };
  });
}

export async function prune(
  db: Kysely<Database>,
  tenant: string,
  threadIds: readonly string[],
  strategy: PruneStrategy,
  deletedEvent?: NewEvent,
): Promise<void> {
  if (threadIds.length === 0) return;
  if (strategy === "delete") return deleteThreads(db, tenant, threadIds, deletedEvent === undefined ? [] : [deletedEvent]);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom("checkpoints as c")
      .where("c.tenant", "=", tenant)
      .where("c.thread_id", "in", threadIds)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("checkpoints as newer")
            .select(sql`1`.as("one"))
            .whereRef("newer.tenant", "=", "c.tenant")
            .whereRef("newer.thread_id", "=", "c.thread_id")
            .whereRef("newer.checkpoint_ns", "=", "c.checkpoint_ns")
            .whereRef("newer.checkpoint_id", ">", "c.checkpoint_id"),
        ),
      )
      .execute();
    await collectGarbage(trx, tenant, threadIds);
  });
}

/**
 * Deletes the writes and channel values no remaining checkpoint of these threads refers to, then
 * the chunks no remaining value names (free-chunks.ts). The one garbage collection: Prune,
 * DeleteForRuns and the sweeper (sweep-threads.ts) all end with it.
 */
export async function collectGarbage(trx: Transaction<Database>, tenant: string, threadIds: readonly string[]): Promise<CollectedGarbage> {
  if (threadIds.length === 0) return { writes: 0, values: 0, chunks: 0 };
  const writes = await trx
    .deleteFrom("checkpoint_writes as w")
    .where("w.tenant", "=", tenant)
    .where("w.thread_id", "in", threadIds)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("checkpoints as c")
            .select(sql`1`.as("one"))
            .whereRef("c.tenant", "=", "w.tenant")
            .whereRef("c.thread_id", "=", "w.thread_id")
            .whereRef("c.checkpoint_ns", "=", "w.checkpoint_ns")
            .whereRef("c.checkpoint_id", "=", "w.checkpoint_id"),
        ),
      ),
    )
    .executeTakeFirst();
  // A blob is garbage when no remaining checkpoint's channel_versions names its (channel, version).
  // One GROUP BY over the blobs and those references together finds them (a group with no
  // reference), and they are deleted by primary key: no correlated subquery per blob, which with
  // stale statistics became a nested loop comparing every blob with every channel version
  // (minutes for a thread whose checkpoints have 10k channels).
  const ids = sql`${[...threadIds]}::text[]`;
  const values = await trx
    .deleteFrom("checkpoint_blobs")
    .where("tenant", "=", tenant)
    .where(
      sql<boolean>`(thread_id, checkpoint_ns, channel, version) in (
        select k.thread_id, k.checkpoint_ns, k.channel, k.version
        from (
          select b.thread_id, b.checkpoint_ns, b.channel, b.version, false as referenced
          from checkpoint_blobs b where b.tenant = ${tenant} and b.thread_id = any(${ids})
          union all
          select c.thread_id, c.checkpoint_ns, v.channel, ${versionKeySql(sql`v.version`)}, true
          from checkpoints c, jsonb_each(c.checkpoint->'channel_versions') as v(channel, version)
          where c.tenant = ${tenant} and c.thread_id = any(${ids})
        ) as k
        group by k.thread_id, k.checkpoint_ns, k.channel, k.version
        having not bool_or(k.referenced))`,
    )
    .executeTakeFirst();
  const chunks = await freeChunks(trx, tenant, threadIds);
  return { writes: Number(writes.numDeletedRows), values: Number(values.numDeletedRows), chunks };
}
