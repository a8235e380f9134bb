import { describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { createDatabase } from "@checkpointd/test-support";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import type { Checkpoint } from "../domain/checkpoint.js";
import type { Database } from "./database-schema.js";
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

/**
 * A fresh database whose sessions always plan generically (what a named statement's cache does
 * after five runs), with autovacuum off on `tables` so no statistics arrive to make PostgreSQL
 * plan again; migrated, handed to `use`, destroyed after.
 */
async function withGenericPlans(tables: readonly string[], use: (db: Kysely<Database>) => Promise<void>): Promise<void> {
  const url = new URL(await createDatabase(adminUrl()));
  url.searchParams.set("options", "-c plan_cache_mode=force_generic_plan");
  const { db } = await connectDatabase({ databaseUrl: url.toString(), dataDir: "memory://", poolSize: 1 });
  try {
    await migrateToLatest(db);
    for (const table of tables) await sql`alter table ${sql.table(table)} set (autovacuum_enabled = off)`.execute(db);
    await use(db);
  } finally {
    await db.destroy();
  }
}

/** A checkpoint id in SQL: `prefix` (4 hex digits) and the integer expression `n`, zero-padded. */
const idSql = (prefix: string, n: string) => sql`${prefix} || '0000-0000-6000-8000-' || lpad((${sql.raw(n)})::text, 12, '0')`;

/** Whether each prepared statement whose text matches every `like` pattern was planned generically. */
async function plannedGenerically(db: Kysely<Database>, ...likes: string[]): Promise<boolean[]> {
  const plans = await sql<{ generic_plans: string }>`
    select generic_plans from pg_prepared_statements
    where ${sql.join(
      likes.map((like) => sql`statement like ${like}`),
      sql` and `,
    )}`.execute(db);
  return plans.rows.map((row) => Number(row.generic_plans) > 0);
}

describe("reads under a cached generic plan (PostgreSQL)", () => {
  // A named statement's plan is made once and kept: planned while the tables were small, the
  // blob lookup of a List must still be a probe per key once a thread has 10k channels among
  // 100k other values. It once compared every blob of the tenant against every key (minutes).
  it("a List of a 10k-channel checkpoint planned on empty tables reads in seconds", async () => {
    await withGenericPlans(["checkpoint_blobs"], async (db) => {
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
      expect(await plannedGenerically(db, "%unnest(%", "%checkpoint_blobs%")).toEqual([true]);

      await sql`
        insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
        select ${DEFAULT_TENANT}, 'other' || i, '', 'c' || (i % 100), '1', 'json', '\\x31'::bytea
        from generate_series(1, ${OTHER_BLOBS}) as i`.execute(db);
      await put("wide", "1f0b0000-0000-6000-8000-000000000002", WIDE);

      const started = performance.now();
      const [tuple] = await listAll(storage, "wide");
      const ms = performance.now() - started;
      expect(Object.keys(tuple!.checkpoint.channelValues)).toHaveLength(WIDE);
      expect(new TextDecoder().decode(tuple!.checkpoint.channelValues.k9999!.data)).toBe("9999");
      expect(ms).toBeLessThan(10_000);
    });
  }, 120_000);

  // The same for GetDeltaChannelHistory: the seed lookup once scanned every blob of the thread per
  // ancestor (1,000 ancestors x 668 blobs: 350 ms), and the ancestors themselves were a scan of the
  // thread each once other threads made a thread look one row long: here 3,000 ancestors, 6 s.
  it("a delta history of 3,000 ancestors planned on a short thread reads in under 2 s (it took 6 s)", async () => {
    await withGenericPlans(["checkpoints", "checkpoint_blobs", "checkpoint_writes"], async (db) => {
      const storage = createKyselyStorage({ db }).forTenant(DEFAULT_TENANT);
      const history = (threadId: string) =>
        storage.deltaChannelHistory({ threadId, checkpointNs: "", checkpointId: undefined, channels: ["messages"] });
      const root = wideCheckpoint("1f0b0000-0000-6000-8000-000000000001", 0);
      root.channelValues = { messages: { type: "json", data: new TextEncoder().encode("[]") } };
      root.channelVersions = { messages: 1n };
      await storage.put({
        threadId: "short",
        checkpointNs: "",
        parentCheckpointId: undefined,
        checkpoint: root,
        metadata: {},
        newVersions: root.channelVersions,
      });
      const child = { ...wideCheckpoint("1f0b0000-0000-6000-8000-000000000002", 0), channelVersions: { messages: 2n } };
      await storage.put({
        threadId: "short",
        checkpointNs: "",
        parentCheckpointId: root.id,
        checkpoint: child,
        metadata: {},
        newVersions: {},
      });
      // Other threads (20,000 of one checkpoint, value and write each) and statistics of them and the short
      // thread, as autovacuum would have them when the plan was made.
      await sql`
        insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
        select ${DEFAULT_TENANT}, 'other' || i, '', ${idSql("1f0a", "i")}, null, '{"channel_versions": {}}'::jsonb, '{}'::jsonb
        from generate_series(1, 20000) as i`.execute(db);
      await sql`
        insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
        select ${DEFAULT_TENANT}, 'other' || i, '', 'c', i::text, 'json', '\\x31'::bytea from generate_series(1, 20000) as i`.execute(db);
      await sql`
        insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path)
        select ${DEFAULT_TENANT}, 'other' || i, '', ${idSql("1f0a", "i")}, 'task', 0, 'c', 'json', '\\x31'::bytea, ''
        from generate_series(1, 20000) as i`.execute(db);
      await sql`analyze checkpoints, checkpoint_blobs, checkpoint_writes`.execute(db);
      for (let i = 0; i < 6; i++) expect((await history("short")).messages!.seed).toBeDefined();
      expect(await plannedGenerically(db, "%with recursive target%")).toEqual([true]);

      // A thread of 3,000 checkpoints, each with a version of `messages` that has no stored value
      // (a DeltaChannel's) and one write to it, and a stored value of `other` per version: only
      // the root stores `messages`.
      const N = 3_000;
      await sql`
        insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
        select ${DEFAULT_TENANT}, 'long', '', ${idSql("1f0c", "i")}, case when i > 1 then ${idSql("1f0c", "i - 1")} end,
          jsonb_build_object('channel_versions', jsonb_build_object('messages', i, 'other', i)), '{}'::jsonb
        from generate_series(1, ${N}) as i`.execute(db);
      await sql`
        insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
        select ${DEFAULT_TENANT}, 'long', '', 'other', i::text, 'json', '\\x31'::bytea from generate_series(1, ${N}) as i
        union all select ${DEFAULT_TENANT}, 'long', '', 'messages', '1', 'json', '\\x5b5d'::bytea`.execute(db);
      await sql`
        insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path)
        select ${DEFAULT_TENANT}, 'long', '', ${idSql("1f0c", "i")}, 'task', 0, 'messages', 'json', convert_to(i::text, 'UTF8'), ''
        from generate_series(1, ${N}) as i`.execute(db);

      const started = performance.now();
      const { messages } = await history("long");
      const ms = performance.now() - started;
      expect(new TextDecoder().decode(messages!.seed!.data)).toBe("[]");
      // From the root (its own write included: the root stored `messages` before its step wrote) up
      // to the latest checkpoint's parent, oldest first.
      const written = messages!.writes.map((w) => new TextDecoder().decode(w.value!.data));
      expect(written).toEqual(Array.from({ length: N - 1 }, (_, i) => String(i + 1)));
      expect(ms).toBeLessThan(2_000);
    });
  }, 120_000);
});
