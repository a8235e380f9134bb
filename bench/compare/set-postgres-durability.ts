import pg from "pg";

/** `durable`: PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on). `fast`: all three off, the CPU-bound view. */
export type PostgresDurability = "durable" | "fast";

export const durabilities = (value: string): PostgresDurability[] => {
  if (value === "both") return ["durable", "fast"];
  if (value === "durable" || value === "fast") return [value];
  throw new Error(`--pg must be durable, fast or both, not ${value}`);
};

/**
 * Switches the running server with ALTER SYSTEM and pg_reload_conf() (all
 * three settings take a reload, not a restart), then waits until a new
 * session sees the setting and lets open pool sessions take the reload too.
 */
export async function setPostgresDurability(adminUrl: string, durability: PostgresDurability): Promise<void> {
  const value = durability === "durable" ? "on" : "off";
  const db = new pg.Client({ connectionString: adminUrl });
  await db.connect();
  try {
    for (const setting of ["fsync", "synchronous_commit", "full_page_writes"]) await db.query(`alter system set ${setting} = ${value}`);
    await db.query("select pg_reload_conf()");
  } finally {
    await db.end();
  }
  for (const deadline = Date.now() + 5_000; ;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const probe = new pg.Client({ connectionString: adminUrl });
    await probe.connect();
    const seen = await probe
      .query<{ fsync: string; sc: string }>("select current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc")
      .finally(() => probe.end());
    if (seen.rows[0]?.fsync === value && seen.rows[0].sc === value) break;
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not take fsync=${value} within 5 s`);
  }
  // Idle pooled backends handle the SIGHUP before their next query; give them a moment anyway.
  await new Promise((resolve) => setTimeout(resolve, 200));
}
