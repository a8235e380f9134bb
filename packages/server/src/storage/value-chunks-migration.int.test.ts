import { afterEach, describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import type { Database } from "./database-schema.js";
import { createKyselyStorage, type StorageChunking } from "./kysely-storage.js";
import { migrationProvider } from "./migrations.js";
import type { TenantStorage } from "./checkpoint-storage.js";

const big = (seed: number) => new TextEncoder().encode(Array.from({ length: 3000 }, (_, i) => `w${(i * seed) % 997}`).join(" "));

async function putValue(storages: TenantStorage, threadId: string, data: Uint8Array) {
  await storages.forTenant(DEFAULT_TENANT).put({
    threadId,
    checkpointNs: "",
    parentCheckpointId: undefined,
    metadata: {},
    newVersions: { v: 1n },
    checkpoint: {
      v: 4,
      id: "1",
      ts: "2026-01-01T00:00:00.000Z",
      channelValues: { v: { type: "json", data } },
      channelVersions: { v: 1n },
      versionsSeen: {},
      updatedChannels: [],
      pendingSends: [],
      extra: {},
    },
  });
}

const chunking = (compression: StorageChunking["compression"]): StorageChunking => ({ threshold: 1024, target: 256, compression });

/** Undoing 0007 puts chunked values back inline (or refuses), and doing it again reads them as before. */
describe.each(testEngines)("migration 0007_value_chunks on %s", (engine) => {
  let db: Kysely<Database> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  it("down puts uncompressed chunked values back inline, up again leaves them readable", async () => {
    db = await openTestDatabase(engine);
    const storages = createKyselyStorage({ db, chunking: chunking("off") });
    const data = big(7);
    await putValue(storages, "down", data);
    const before = await db
      .selectFrom("checkpoint_blobs")
      .select(["blob", "chunks"])
      .where("thread_id", "=", "down")
      .executeTakeFirstOrThrow();
    expect(before.blob).toBeNull();
    expect(before.chunks).not.toBeNull();

    const migrator = new Migrator({ db, provider: migrationProvider });
    const down = await migrator.migrateTo("0004_cache_fence");
    expect(down.error).toBeUndefined();
    const { rows } = await sql<{ blob: Uint8Array }>`select blob from checkpoint_blobs where thread_id = 'down'`.execute(db);
    expect(Buffer.from(rows[0]!.blob).equals(Buffer.from(data))).toBe(true);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const tuple = await storages.forTenant(DEFAULT_TENANT).getTuple({ threadId: "down", checkpointNs: "", checkpointId: undefined });
    expect(Buffer.from(tuple!.checkpoint.channelValues.v!.data).equals(Buffer.from(data))).toBe(true);
  });

  it("down refuses, changing nothing, while a chunk is compressed", async () => {
    db = await openTestDatabase(engine);
    await putValue(createKyselyStorage({ db, chunking: chunking("gzip") }), "compressed", big(3));
    const result = await new Migrator({ db, provider: migrationProvider }).migrateTo("0004_cache_fence");
    expect(String(result.error)).toMatch(/cannot undo 0007_value_chunks: some chunks are compressed/);
    const chunks = await db.selectFrom("value_chunks").select("hash").execute();
    expect(chunks.length).toBeGreaterThan(0);
  });
});
