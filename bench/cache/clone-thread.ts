import pg from "pg";

/**
 * Copies every row of `source` (checkpoints, channel blobs, pending writes)
 * into each of `targets` (threads of the default tenant, as the bench's calls are) with plain SQL, bypassing the server and its cache:
 * a fast way to get thousands of identical, never-read histories.
 */
export async function cloneThread(databaseUrl: string, source: string, targets: readonly string[]): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query("begin");
    await db.query(
      `insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
       select c.tenant, t.id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint, c.metadata
       from checkpoints c cross join unnest($2::text[]) as t(id) where c.tenant = 'default' and c.thread_id = $1`,
      [source, targets],
    );
    await db.query(
      `insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
       select b.tenant, t.id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob
       from checkpoint_blobs b cross join unnest($2::text[]) as t(id) where b.tenant = 'default' and b.thread_id = $1`,
      [source, targets],
    );
    await db.query(
      `insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path)
       select w.tenant, t.id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.idx, w.channel, w.type, w.blob, w.task_path
       from checkpoint_writes w cross join unnest($2::text[]) as t(id) where w.tenant = 'default' and w.thread_id = $1`,
      [source, targets],
    );
    await db.query("commit");
    await db.query("analyze");
  } finally {
    await db.end();
  }
}
