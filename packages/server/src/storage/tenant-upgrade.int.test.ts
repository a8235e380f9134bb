import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { toBinary } from "@bufbuild/protobuf";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { sql, type Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { columnValue, createDatabase, loadPreTenantFixture, preTenantFixture } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import { connectDatabase, migrateToLatest } from "./connect-database.js";
import type { Database } from "./database-schema.js";
import { migrationProvider } from "./migrations.js";

const fixture = preTenantFixture();
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A row as comparable text: bytes as base64, timestamps as ISO, bigints (a string on pg, a number on PGlite) as digits. */
function comparable(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => {
      if (value instanceof Uint8Array) return [column, base64(value)];
      if (value instanceof Date) return [column, value.toISOString()];
      if (column === "event_id" || column === "last_event_id") return [column, String(value)];
      return [column, value];
    }),
  );
}

/** The fixture's row as the database must hold it after 0003: the same columns, and the default tenant. */
const expectedRow = (row: Record<string, unknown>) =>
  comparable({
    ...Object.fromEntries(
      Object.entries(row).map(([c, v]) => {
        const value = columnValue(v as never);
        return [c, c === "checkpoint" || c === "metadata" ? JSON.parse(value as string) : value];
      }),
    ),
    tenant: DEFAULT_TENANT,
  });

describe.each(testEngines)("upgrading a database written before tenants on %s", (engine) => {
  let db: Kysely<Database>;
  let server: TestServer;

  beforeAll(async () => {
    const databaseUrl = engine === "postgres" ? await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!) : undefined;
    ({ db } = await connectDatabase({ databaseUrl, dataDir: "memory://" }));
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo("0002_thread_events");
    if (error !== undefined) throw error;
    await loadPreTenantFixture(db as Kysely<unknown>, fixture);
    // The tenants migration, then whatever came after it.
    expect((await migrateToLatest(db))[0]).toBe("0003_tenants");
    server = await startTestServer(engine, undefined, { db });
  });
  afterAll(() => server?.close());

  it("keeps every row, byte for byte, under the default tenant", async () => {
    for (const [table, rows] of Object.entries(fixture.tables)) {
      const stored = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      const byKey = (r: Record<string, unknown>) => JSON.stringify(r);
      // 0005 gives every thread with checkpoints a clock (and a counter row at 0 if it had no events):
      // those columns are checked below, the rows the release wrote here.
      const clock = ["created_at", "last_write_at", "touched_at", "compacted_through"];
      const written = (r: Record<string, unknown>) =>
        table === "thread_event_counters" ? Object.fromEntries(Object.entries(r).filter(([k]) => !clock.includes(k))) : r;
      const got = stored.rows
        .filter((r) => table !== "thread_event_counters" || String(r["last_event_id"]) !== "0")
        .map(written)
        .map(comparable)
        .map(byKey)
        .sort();
      // Columns later migrations added come with their defaults (0006: no thread had a lease);
      // 0008 adds each checkpoint's ts as an instant, read from its stored text.
      // 0007: the values are inline (no chunk list).
      const later =
        table === "thread_event_counters"
          ? { leased: false }
          : table === "checkpoint_blobs" || table === "checkpoint_writes"
            ? { chunks: null }
            : {};
      const withTs = (row: Record<string, unknown>) => {
        const expected = { ...expectedRow(row), ...later };
        if (table !== "checkpoints") return expected;
        const ts = (expected["checkpoint"] as { ts: string }).ts;
        return { ...expected, ts: new Date(ts).toISOString() };
      };
      expect({ table, rows: got }).toEqual({ table, rows: rows.map(withTs).map(byKey).sort() });
    }
    // The clock 0005 started: from the checkpoints of each thread that has some, none for one that has none.
    const clocks = await sql<{ thread_id: string; created_at: Date | null; last_write_at: Date | null }>`
      select thread_id, created_at, last_write_at from thread_event_counters`.execute(db);
    const withCheckpoints = new Set(
      (await sql<{ thread_id: string }>`select distinct thread_id from checkpoints`.execute(db)).rows.map((r) => r.thread_id),
    );
    for (const row of clocks.rows) {
      expect([row.thread_id, row.created_at !== null, row.last_write_at !== null]).toEqual([
        row.thread_id,
        withCheckpoints.has(row.thread_id),
        withCheckpoints.has(row.thread_id),
      ]);
    }
  });

  it("reads every thread as the release before did, over the wire as the default tenant", async () => {
    for (const [key, expected] of Object.entries(fixture.reads)) {
      const [kind, threadId, ...ns] = key.split(":");
      let got: string[] | string | null;
      if (kind === "list") {
        got = [];
        for await (const r of server.client.list({ config: { threadId } })) got.push(base64(toBinary(CheckpointTupleSchema, r.tuple!)));
      } else {
        const { tuple } = await server.client.getTuple({ config: { threadId, checkpointNs: ns.join(":") } });
        got = tuple === undefined ? null : base64(toBinary(CheckpointTupleSchema, tuple));
      }
      expect({ key, got }).toEqual({ key, got: expected });
    }
  });

  it("goes on numbering each thread's events and resumes where they were", async () => {
    const { eventId } = await server.client.resume({
      threadId: "thread-a",
      values: { again: { type: "json", data: new Uint8Array([1]) } },
    });
    const counter = fixture.tables.thread_event_counters!.find((r) => r.thread_id === "thread-a")!;
    expect(eventId).toBe(BigInt(counter.last_event_id as number) + 1n);
    // The first resume's idempotency key still returns it.
    const first = fixture.tables.resumes!.find((r) => r.idempotency_key === "k1")!;
    const again = await server.client.resume({
      threadId: "thread-a",
      values: { x: { type: "json", data: new Uint8Array([2]) } },
      idempotencyKey: "k1",
    });
    expect(again.resumeId).toBe(first.resume_id);
  });

  it("goes back down to 0002 only while every thread is the default tenant's", async () => {
    const migrator = new Migrator({ db, provider: migrationProvider });
    await db.insertInto("thread_event_counters").values({ tenant: "another", thread_id: "thread-a", last_event_id: 1 }).execute();
    const refused = await migrator.migrateTo("0002_thread_events");
    expect(String(refused.error)).toContain('thread_event_counters holds threads of tenants other than "default"');
    expect((await sql<{ n: number }>`select count(*)::int as n from checkpoints where tenant = 'default'`.execute(db)).rows[0]!.n).toBe(
      fixture.tables.checkpoints!.length,
    );
    await db.deleteFrom("thread_event_counters").where("tenant", "=", "another").execute();
    expect((await migrator.migrateTo("0002_thread_events")).error).toBeUndefined();
    const { rows } = await sql<Record<string, unknown>>`select * from checkpoints`.execute(db);
    expect(
      rows
        .map(comparable)
        .map((r) => JSON.stringify(r))
        .sort(),
    ).toEqual(
      fixture.tables
        .checkpoints!.map(expectedRow)
        .map(({ tenant: _, ...r }) => JSON.stringify(r))
        .sort(),
    );
  });
});
