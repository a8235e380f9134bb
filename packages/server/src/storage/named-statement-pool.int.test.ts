import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { createDatabase, startPgBouncer, type PgBouncerInstance } from "@checkpointd/test-support";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import type { Checkpoint } from "../domain/checkpoint.js";
import { connectDatabase, migrateToLatest } from "./connect-database.js";
import type { Database } from "./database-schema.js";
import { createKyselyStorage } from "./kysely-storage.js";

const adminUrl = () => process.env.CHECKPOINTD_TEST_DATABASE_URL!;

function checkpoint(step: number): Checkpoint {
  return {
    v: 4,
    id: `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`,
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, step)).toISOString(),
    channelValues: { messages: { type: "json", data: new TextEncoder().encode(`[${step}]`) } },
    channelVersions: { messages: BigInt(step + 1) },
    versionsSeen: {},
    updatedChannels: [],
    pendingSends: [],
    extra: {},
  };
}

/** Puts `steps` checkpoints on a thread, reading the latest back after each; returns the last read's step. */
async function writeAndRead(db: Kysely<Database>, threadId: string, steps: number): Promise<number> {
  const storage = createKyselyStorage({ db }).forTenant(DEFAULT_TENANT);
  let last = -1;
  for (let step = 0; step < steps; step++) {
    await storage.put({
      threadId,
      checkpointNs: "",
      parentCheckpointId: step === 0 ? undefined : checkpoint(step - 1).id,
      checkpoint: checkpoint(step),
      metadata: { step },
      newVersions: { messages: BigInt(step + 1) },
    });
    const tuple = await storage.getTuple({ threadId, checkpointNs: "", checkpointId: undefined });
    last = Number(tuple?.metadata.step);
  }
  return last;
}

const preparedNames = async (db: Kysely<Database>) =>
  (await sql<{ name: string }>`select name from pg_prepared_statements where name like 'cpd_%'`.execute(db)).rows.map((r) => r.name);

describe("named statements on PostgreSQL", () => {
  it("the frequent statements are parsed once per connection, and results are unchanged", async () => {
    const url = await createDatabase(adminUrl());
    const { db } = await connectDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 1 });
    try {
      await migrateToLatest(db);
      expect(await writeAndRead(db, "named", 12)).toBe(11);
      // One connection: the Put and GetTuple shapes (and this probe) are prepared on it, once each.
      const names = await preparedNames(db);
      expect(names.length).toBeGreaterThanOrEqual(2);
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await db.destroy();
    }
  });

  it("statements inside a transaction and one-off statements stay unnamed, and `off` names none", async () => {
    const url = await createDatabase(adminUrl());
    const prepared = async (db: Kysely<Database>, marker: string) =>
      (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.filter(
        (row) => row.statement.includes(marker) && !row.statement.includes("pg_prepared_statements"),
      ).length;
    const named = await connectDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 1 });
    try {
      await migrateToLatest(named.db);
      await named.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 3; i++) await sql`select 42 as in_transaction_marker`.execute(trx);
      });
      await sql`select 43 as once_marker`.execute(named.db);
      for (let i = 0; i < 3; i++) await sql`select 44 as repeated_marker`.execute(named.db);
      // A text past 8 KiB (a grouped write's) is never named, however often it runs.
      const long = sql.raw(`select 45 as long_marker /* ${"x".repeat(9000)} */`);
      for (let i = 0; i < 3; i++) await sql`${long}`.execute(named.db);
      expect({
        inTransaction: await prepared(named.db, "in_transaction_marker"),
        once: await prepared(named.db, "once_marker"),
        repeated: await prepared(named.db, "repeated_marker"),
        long: await prepared(named.db, "long_marker"),
      }).toEqual({ inTransaction: 0, once: 0, repeated: 1, long: 0 });
    } finally {
      await named.db.destroy();
    }
    const unnamed = await connectDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 1, preparedStatements: "off" });
    try {
      expect(await writeAndRead(unnamed.db, "unnamed", 6)).toBe(5);
      expect(await preparedNames(unnamed.db)).toEqual([]);
    } finally {
      await unnamed.db.destroy();
    }
  });
});

describe("named statements behind PgBouncer in transaction mode", () => {
  let bouncer: PgBouncerInstance;
  let url: string;

  beforeAll(async () => {
    url = await createDatabase(adminUrl());
    const direct = await connectDatabase({ databaseUrl: url, dataDir: "memory://" });
    await migrateToLatest(direct.db);
    await direct.db.destroy();
    bouncer = await startPgBouncer({ upstreamUrl: url, poolMode: "transaction", poolSize: 3 });
  });
  afterAll(async () => {
    await bouncer?.stop();
  });

  it("the first refusal turns naming off, the refused statement runs again, and no call fails", async () => {
    const refusals: string[] = [];
    const { db } = await connectDatabase({
      databaseUrl: bouncer.url,
      dataDir: "memory://",
      poolSize: 8,
      onPreparedStatementsRefused: (error) => refusals.push(error.message),
    });
    try {
      // Eight connections share three server connections: a named statement soon reaches a backend that never parsed it.
      const lasts = await Promise.all(Array.from({ length: 8 }, (_, i) => writeAndRead(db, `bounced-${i}`, 15)));
      expect(lasts).toEqual(Array.from({ length: 8 }, () => 14));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatch(/prepared statement/);
    } finally {
      await db.destroy();
    }
  });
});
