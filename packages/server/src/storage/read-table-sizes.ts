import { sql, type Kysely } from "kysely";
import type { Database } from "./database-schema.js";

/** The tables that hold what clients write (every tenant's): what the storage-size gauges report. */
export const storedTables = ["checkpoints", "checkpoint_blobs", "checkpoint_writes", "value_chunks", "thread_events", "resumes"] as const;

/**
 * Each stored table's size on disk with its indexes and TOAST (pg_total_relation_size), from the
 * catalog: one cheap statement, whatever the tables hold. Tables this database lacks are left out.
 */
export async function readTableSizes(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string; bytes: string | number }>`
    select c.relname as name, pg_total_relation_size(c.oid) as bytes
    from pg_class c
    where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace
      and c.relname in (${sql.join(storedTables.map((t) => sql.lit(t)))})`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.bytes)]));
}
