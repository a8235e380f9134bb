import { describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { createDatabase } from "@checkpointd/test-support";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import type { Checkpoint } from "../domain/checkpoint.js";
import { connectDatabase, migrateToLatest } from "./connect-database.js";
import { createKyselyStorage } from "./kysely-storage.js";

const adminUrl = () => process.env.CHECKPOINTD_TEST_DATABASE_URL!;
const WIDE = 10_000;
const OTHER_BLOBS = 100_000;

function wideCheckpoint(id: string, width: number): Checkpoint {
  const channelValues: Checkpoint["channelValues"] = {};
  const channelVersions: Checkpoint["channelVersions"] = {};
  for (let i = 0; i < width; i++) {
    channelValues[`k${i}`] = { type: "json", data: new TextEncoder().encode(String(i)) };
    channelVersions[`k${i}`] = 1n;
  }
  return {
    v: 4,
    id,
    ts: "2026-01-01T00:00:00.000Z",
    channelValues,
    channelVersions,
    versionsSeen: {},
    updatedChannels: [],
    pendingSends: [],
    extra: {},
  };
}

const listAll = async (storage: ReturnType<ReturnType<typeof createKyselyStorage>["forTenant"]>, threadId: string) => {
  const tuples = [];
  for await (const tuple of storage.list({
    threadId,
    checkpointNs: undefined,
    checkpointId: undefined,
    filter: undefined,
    beforeCheckpointId: undefined,
    limit: undefined,
  }))
    tuples.push(tuple);
  return tuples;
};

describe("reads under a cached generic plan (PostgreSQL)", () => {
  // A named statement's plan is made once and kept: planned while the tables were small, the
  // blob lookup of a List must still be a probe per key once a thread has 10k channels among
  // 100k other values. It once compared every blob of the tenant against every key (minutes).
  it("a List of a 10k-channel checkpoint planned on empty tables reads in seconds", async () => {
    const url = new URL(await createDatabase(adminUrl()));
    url.searchParams.set("options", "-c plan_cache_mode=force_generic_plan");
    const { db } = await connectDatabase({ databaseUrl: url.toString(), dataDir: "memory://", poolSize: 1 });
    try {
      await migrateToLatest(db);
      // No statistics arrive meanwhile to make PostgreSQL plan again.
      await sql`alter table checkpoint_blobs set (autovacuum_enabled = off)`.execute(db);
      const storage = createKyselyStorage({ db }).forTenant(DEFAULT_TENANT);
      const put = (threadId: string, id: string, width: number) =>
        storage.put({
          threadId,
          checkpointNs: "",
          parentCheckpointId: undefined,
          checkpoint: wideCheckpoint(id, width),
          metadata: {},
          newVersions: wideCheckpoint(id, width).channelVersions,
        });
      await put("small", "1f0b0000-0000-6000-8000-000000000001", 2);
      for (let i = 0; i < 6; i++) expect(await listAll(storage, "small")).toHaveLength(1);
      const plans = await sql<{ generic_plans: string }>`
        select generic_plans from pg_prepared_statements where statement like '%unnest(%' and statement like '%checkpoint_blobs%'`.execute(
        db,
      );
      // Named on its second run (named-statement-pool.ts), planned generically from then on.
      expect(plans.rows.map((row) => Number(row.generic_plans) > 0)).toEqual([true]);

      await sql`
        insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
        select ${DEFAULT_TENANT}, 'other' || (i / 100), '', 'c' || (i % 100), '1', 'json', '\\x31'::bytea
        from generate_series(1, ${OTHER_BLOBS}) as i`.execute(db);
      await put("wide", "1f0b0000-0000-6000-8000-000000000002", WIDE);

      const started = performance.now();
      const [tuple] = await listAll(storage, "wide");
      const ms = performance.now() - started;
      expect(Object.keys(tuple!.checkpoint.channelValues)).toHaveLength(WIDE);
      expect(new TextDecoder().decode(tuple!.checkpoint.channelValues.k9999!.data)).toBe("9999");
      expect(ms).toBeLessThan(10_000);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});
