import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { BaseMessage } from "@langchain/core/messages";
import pg from "pg";
import { benchChannels, channelValue, Conversation, conversationMessage } from "./conversation-state.js";

export interface TableGrowth {
  table: string;
  bytes: number;
  rows: number;
}

export interface StorageGrowth {
  steps: number;
  /** Growth of every table in the database's public schema (pg_total_relation_size: heap, TOAST, indexes). */
  bytes: number;
  /** Growth of pg_database_size. */
  databaseBytes: number;
  tables: TableGrowth[];
  seconds: number;
}

async function sizes(db: pg.Client): Promise<{ tables: Map<string, TableGrowth>; databaseBytes: number }> {
  const result = await db.query<{ table: string; bytes: string }>(
    `select c.relname as table, pg_total_relation_size(c.oid) as bytes
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'r'`,
  );
  const tables = new Map<string, TableGrowth>();
  for (const row of result.rows) {
    const count = await db.query<{ n: string }>(`select count(*) as n from "${row.table}"`);
    tables.set(row.table, { table: row.table, bytes: Number(row.bytes), rows: Number(count.rows[0]?.n ?? 0) });
  }
  const database = await db.query<{ bytes: string }>("select pg_database_size(current_database()) as bytes");
  return { tables, databaseBytes: Number(database.rows[0]?.bytes ?? 0) };
}

/**
 * A `steps`-step conversation through one saver into a database of its own:
 * each step, a task writes the new message (putWrites) and the checkpoint
 * that follows stores the whole, one message longer, `messages` channel (as
 * LangGraph's messages reducer does), through the saver's serializer. Returns
 * how much the database grew. `message` makes each step's message (default: the compare bench's).
 */
export async function measureStorageGrowth(
  saver: BaseCheckpointSaver,
  databaseUrl: string,
  steps: number,
  message: (step: number) => BaseMessage = conversationMessage,
): Promise<StorageGrowth> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const before = await sizes(db);
    const started = performance.now();
    const conversation = new Conversation("growth");
    const messages: BaseMessage[] = [];
    for (let step = 0; step < steps; step++) {
      const next = message(step);
      if (step > 0) await saver.putWrites(conversation.lastConfig(), [["messages", [next]]], `task-${step}`);
      messages.push(next);
      const call = conversation.next(
        step === 0
          ? benchChannels.map((channel) => ({ channel, value: channel === "messages" ? [...messages] : channelValue(channel, 0) }))
          : [{ channel: "messages", value: [...messages] }],
      );
      await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await sizes(db);
    const tables = [...after.tables.values()]
      .map((table) => {
        const was = before.tables.get(table.table);
        return { table: table.table, bytes: table.bytes - (was?.bytes ?? 0), rows: table.rows - (was?.rows ?? 0) };
      })
      .filter((table) => table.bytes !== 0 || table.rows !== 0)
      .sort((a, b) => b.bytes - a.bytes);
    return {
      steps,
      bytes: tables.reduce((total, table) => total + table.bytes, 0),
      databaseBytes: after.databaseBytes - before.databaseBytes,
      tables,
      seconds,
    };
  } finally {
    await db.end();
  }
}
