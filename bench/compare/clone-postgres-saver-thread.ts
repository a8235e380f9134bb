import pg from "pg";

/** PostgresSaver's tables (1.0.x migrations) and their columns after thread_id. */
const tables = {
  checkpoints: ["checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "type", "checkpoint", "metadata"],
  checkpoint_blobs: ["checkpoint_ns", "channel", "version", "type", "blob"],
  checkpoint_writes: ["checkpoint_ns", "checkpoint_id", "task_id", "idx", "channel", "type", "blob"],
} as const;

/**
 * Copies every row of thread `source` in PostgresSaver's schema (public) into
 * each of `targets` with plain SQL: the PostgresSaver side of
 * cache/clone-thread.ts, for never-read histories to read by id.
 */
export async function clonePostgresSaverThread(databaseUrl: string, source: string, targets: readonly string[]): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query("begin");
    for (const [table, columns] of Object.entries(tables)) {
      const list = columns.join(", ");
      const selected = columns.map((column) => `s.${column}`).join(", ");
      await db.query(
        `insert into ${table} (thread_id, ${list})
         select t.id, ${selected} from ${table} s cross join unnest($2::text[]) as t(id) where s.thread_id = $1`,
        [source, targets],
      );
    }
    await db.query("commit");
    await db.query("analyze");
  } finally {
    await db.end();
  }
}
