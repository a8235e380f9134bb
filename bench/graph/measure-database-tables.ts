import pg from "pg";

export interface TableBytes {
  /** schema.table */
  table: string;
  rows: number;
  /** pg_total_relation_size: heap + TOAST + indexes. */
  totalBytes: number;
  heapBytes: number;
  toastBytes: number;
  indexBytes: number;
}

/** Every user table of the database (any schema: the event log too), largest first, after a VACUUM so the sizes are settled. */
export async function measureDatabaseTables(databaseUrl: string): Promise<{ totalBytes: number; tables: TableBytes[] }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query("vacuum");
    const result = await db.query<{ table: string; total: string; heap: string; toast: string; indexes: string; rows: string }>(
      `select n.nspname || '.' || c.relname as table, pg_total_relation_size(c.oid) as total,
              pg_relation_size(c.oid) as heap, pg_indexes_size(c.oid) as indexes,
              coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast, c.reltuples::bigint as rows
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
       order by pg_total_relation_size(c.oid) desc`,
    );
    const tables = result.rows.map((row) => ({
      table: row.table,
      rows: Math.max(0, Number(row.rows)),
      totalBytes: Number(row.total),
      heapBytes: Number(row.heap),
      toastBytes: Number(row.toast),
      indexBytes: Number(row.indexes),
    }));
    return { totalBytes: tables.reduce((t, r) => t + r.totalBytes, 0), tables };
  } finally {
    await db.end();
  }
}
