import pg from "pg";
import { CommandError } from "./command-error.js";
import { blobKey, langgraphRecord, type BlobRow, type CheckpointRow, type WriteRow } from "./langgraph-record.js";
import type { ImportRecord } from "./import-record.js";

/** LangGraph's Postgres saver tables in one schema, read a thread at a time (three queries a thread). */
export interface LanggraphTables {
  /** Checkpoint rows in all. */
  count(): Promise<number>;
  /** Each thread with its checkpoints, in thread id order, `pageSize` thread ids a query. */
  threads(pageSize?: number): AsyncIterable<{ threadId: string; records: ImportRecord[] }>;
  close(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function openLanggraphTables(url: string, schema: string): Promise<LanggraphTables> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new CommandError(`--from: cannot connect: ${(error as Error).message}`);
  }
  const s = quoteIdent(schema);
  const columns = await client.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns where table_schema = $1 and table_name in ('checkpoints', 'checkpoint_blobs', 'checkpoint_writes')`,
    [schema],
  );
  const tables = new Set(columns.rows.map((r) => r.table_name));
  for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"]) {
    if (!tables.has(table)) {
      await client.end();
      throw new CommandError(`--from: no table ${schema}.${table} (is this a LangGraph PostgresSaver database? see --schema)`);
    }
  }
  // The Python saver's migration 9 adds task_path; the JS saver has none.
  const hasTaskPath = columns.rows.some((r) => r.table_name === "checkpoint_writes" && r.column_name === "task_path");

  async function threadRecords(threadId: string): Promise<ImportRecord[]> {
    const [checkpoints, blobs, writes] = await Promise.all([
      client.query<CheckpointRow>(
        `select thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata from ${s}.checkpoints where thread_id = $1 order by checkpoint_ns, checkpoint_id`,
        [threadId],
      ),
      client.query<BlobRow>(`select checkpoint_ns, channel, version, type, blob from ${s}.checkpoint_blobs where thread_id = $1`, [
        threadId,
      ]),
      client.query<WriteRow>(
        `select checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob${hasTaskPath ? ", task_path" : ""} from ${s}.checkpoint_writes where thread_id = $1 order by checkpoint_ns, checkpoint_id, task_id, idx`,
        [threadId],
      ),
    ]);
    const blobMap = new Map(blobs.rows.map((b) => [blobKey(b.checkpoint_ns, b.channel, b.version), b]));
    const writesOf = new Map<string, WriteRow[]>();
    for (const w of writes.rows) {
      const key = `${w.checkpoint_ns}\u0000${w.checkpoint_id}`;
      writesOf.set(key, [...(writesOf.get(key) ?? []), w]);
    }
    return checkpoints.rows.map((row) =>
      langgraphRecord(row, blobMap, writesOf.get(`${row.checkpoint_ns}\u0000${row.checkpoint_id}`) ?? []),
    );
  }

  return {
    async count() {
      const result = await client.query<{ n: string }>(`select count(*)::text as n from ${s}.checkpoints`);
      return Number(result.rows[0]?.n ?? 0);
    },
    async *threads(pageSize = 100) {
      let after: string | undefined;
      for (;;) {
        const page = await client.query<{ thread_id: string }>(
          `select distinct thread_id from ${s}.checkpoints ${after === undefined ? "" : "where thread_id > $2"} order by thread_id limit $1`,
          after === undefined ? [pageSize] : [pageSize, after],
        );
        for (const { thread_id: threadId } of page.rows) yield { threadId, records: await threadRecords(threadId) };
        if (page.rows.length < pageSize) return;
        after = page.rows[page.rows.length - 1]!.thread_id;
      }
    },
    close: () => client.end(),
  };
}
