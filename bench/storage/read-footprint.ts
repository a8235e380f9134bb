import pg from "pg";

export interface RelationSize {
  /** The table the relation belongs to. */
  table: string;
  /** The table itself (heap), its TOAST table, or one of its indexes. */
  relation: string;
  bytes: number;
}

export interface Footprint {
  /** Sum of pg_total_relation_size over the public schema's tables. */
  total: number;
  relations: RelationSize[];
  /** Rows per table, and their average stored width (pg_column_size of the row). */
  rows: { table: string; rows: number; averageWidth: number }[];
  /** checkpoint_blobs by channel and type: rows and average blob length. */
  blobs: { channel: string; type: string; rows: number; averageLength: number }[];
}

/** Every table of the public schema with its heap, TOAST (with its index) and each index, largest first. */
export async function readFootprint(databaseUrl: string): Promise<Footprint> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ table: string; relation: string; bytes: string }>(
      `select t.relname as table, t.relname || ' (heap)' as relation, pg_relation_size(t.oid) as bytes
         from pg_class t join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public' and t.relkind = 'r'
       union all
       select t.relname, t.relname || ' (toast)', coalesce(pg_total_relation_size(nullif(t.reltoastrelid, 0)), 0)
         from pg_class t join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public' and t.relkind = 'r'
       union all
       select t.relname, i.relname, pg_relation_size(i.oid)
         from pg_index x join pg_class t on t.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
         join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'`,
    );
    const relations = rows.map((r) => ({ table: r.table, relation: r.relation, bytes: Number(r.bytes) })).sort((a, b) => b.bytes - a.bytes);
    const totals = await db.query<{ bytes: string }>(
      `select coalesce(sum(pg_total_relation_size(t.oid)), 0) as bytes
         from pg_class t join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public' and t.relkind = 'r'`,
    );
    const tables = [...new Set(relations.map((r) => r.table))].sort();
    const counts = [];
    for (const table of tables) {
      const {
        rows: [row],
      } = await db.query<{ n: string; w: string | null }>(`select count(*) as n, avg(pg_column_size(t.*)) as w from "${table}" t`);
      counts.push({ table, rows: Number(row?.n ?? 0), averageWidth: Math.round(Number(row?.w ?? 0)) });
    }
    const blobs = await db.query<{ channel: string; type: string; n: string; l: string | null }>(
      `select channel, coalesce(type, '') as type, count(*) as n, avg(length(blob)) as l from checkpoint_blobs group by 1, 2 order by 3 desc`,
    );
    return {
      total: Number(totals.rows[0]?.bytes ?? 0),
      relations,
      rows: counts,
      blobs: blobs.rows.map((b) => ({ channel: b.channel, type: b.type, rows: Number(b.n), averageLength: Math.round(Number(b.l ?? 0)) })),
    };
  } finally {
    await db.end();
  }
}
