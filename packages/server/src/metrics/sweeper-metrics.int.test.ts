import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import {
  retentionCheckpointId,
  retentionStep,
  spawnCheckpointd,
  startPrometheus,
  waitUntil,
  type PrometheusInstance,
  type SpawnedCheckpointd,
  promtoolCheckMetrics,
} from "@checkpointd/test-support";
import { createTestDatabase, openTestDatabase, startTestServer } from "@checkpointd/test-support/server";
import type { Database } from "../storage/database-schema.js";

/**
 * checkpointd_sweeper_* through a real Prometheus scraping two replicas (real processes) on one
 * PostgreSQL. Seven threads of 15 checkpoints (one with values large enough to be chunked) under
 * --retention-max-versions 5: the first pass deletes 10 checkpoints of each. The test holds a row
 * lock on a checkpoint that pass deletes, so the pass stays mid-way long enough for a scrape to
 * see which replica holds the lease; the interval is long (20 s: a 10 s lease) so that the other
 * cannot take it over meanwhile.
 */
const threadIds = ["big", ...Array.from({ length: 6 }, (_, t) => `thread-${t}`)];
const steps = 15;
const keep = 5;
const intervalSeconds = 20;

/** 20 KB that differ at every step (no chunk shared between steps): above the 8 KB chunk threshold. */
function bigValue(i: number): Uint8Array {
  const out = new Uint8Array(20_000);
  let x = 0x9e3779b9 ^ (i + 1);
  for (let k = 0; k < out.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}

let db: Kysely<Database>;
let prometheus: PrometheusInstance | undefined;
const replicas: SpawnedCheckpointd[] = [];
let url: string;
/** Ends the test's lock (also when the test failed before it did). */
let release = () => {};

const count = async (table: "checkpoints" | "checkpoint_writes" | "checkpoint_blobs" | "value_chunks" | "thread_events") =>
  Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
const counts = async () => ({
  checkpoints: await count("checkpoints"),
  writes: await count("checkpoint_writes"),
  values: await count("checkpoint_blobs"),
  chunks: await count("value_chunks"),
  events: await count("thread_events"),
});

beforeAll(async () => {
  url = (await createTestDatabase()).direct;
  // Seeded one call at a time (each step's events at their own time) by a server that does not sweep.
  const seeder = await startTestServer("postgres", url);
  for (const threadId of threadIds) {
    for (let i = 0; i < steps; i++) {
      const step = retentionStep(threadId, "", i);
      if (threadId === "big") step.put.checkpoint!.channelValues["a"]!.data = bigValue(i);
      await seeder.client.put(step.put);
      await seeder.client.putWrites(step.writes);
    }
  }
  await seeder.close();
  db = await openTestDatabase("postgres", url);
}, 120_000);

afterAll(async () => {
  release();
  await prometheus?.stop();
  for (const r of replicas) await r.stop(5_000);
  await db?.destroy();
});

it("counts the passes and what they deleted, times them, and shows which replica holds the lease", async () => {
  const before = await counts();
  expect(before.checkpoints).toBe(threadIds.length * steps);
  expect(before.chunks).toBeGreaterThan(steps * 5);

  // Holds a checkpoint the first pass deletes (thread-0's oldest): the pass waits on it mid-way.
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const blocker = db.transaction().execute(async (trx) => {
    await sql`select 1 from checkpoints where thread_id = 'thread-0' and checkpoint_id = ${retentionCheckpointId(0)} for update`.execute(
      trx,
    );
    locked();
    await released;
  });
  await isLocked;

  const env = { DATABASE_URL: url, RETENTION_MAX_VERSIONS: String(keep), SWEEP_INTERVAL: `${intervalSeconds}s` };
  const args = ["--metrics-port", "0", "--shutdown-grace-ms", "100"];
  replicas.push(await spawnCheckpointd(args, env), await spawnCheckpointd(args, env));
  const instanceOf = (r: SpawnedCheckpointd) => `127.0.0.1:${r.metricsPort}`;
  prometheus = await startPrometheus({ targets: replicas.map(instanceOf), scrapeIntervalSeconds: 1 });
  const query = prometheus.query.bind(prometheus);
  const byInstance = async (promql: string) => Object.fromEntries((await query(promql)).map((s) => [s.metric.instance!, s.value]));
  const value = async (promql: string) => (await query(promql))[0]?.value;

  // The pass is under way, stuck on the lock: one replica holds the lease, and its gauge says so.
  let holder = "";
  await waitUntil(
    "a pass under way",
    async () => {
      const row = await db.selectFrom("sweeper_lease").select("holder").where("id", "=", 1).executeTakeFirstOrThrow();
      expect(row.holder).not.toBeNull();
      holder = row.holder!;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const sweeping = replicas.find((r) => r.process.pid === Number(holder.split(":").at(-2)))!;
  const idle = replicas.find((r) => r !== sweeping)!;
  expect(sweeping).toBeDefined();
  const blockedAt = Date.now();
  await waitUntil(
    "Prometheus sees the holder's lease",
    async () => expect(await byInstance("checkpointd_sweeper_lease_held")).toEqual({ [instanceOf(sweeping)]: 1, [instanceOf(idle)]: 0 }),
    { timeoutMs: 8_000 },
  );
  const blockedSeconds = (Date.now() - blockedAt) / 1000;
  expect(await value(`sum(checkpointd_sweeper_passes_total)`)).toBe(0);
  // Both replicas report the one database's table sizes (PostgreSQL's catalog); the chunk store holds the 20 KB values.
  expect(Object.keys(await byInstance(`checkpointd_storage_bytes{table="value_chunks"}`))).toHaveLength(2);
  expect(await value(`max(checkpointd_storage_bytes{table="value_chunks"})`)).toBeGreaterThan(8192);
  release();
  await blocker;
  const releasedAt = Date.now();

  // The pass goes on and ends; the scrapes after it show what it deleted.
  const deleted = threadIds.length * (steps - keep);
  await waitUntil(
    "Prometheus has scraped the pass",
    async () => {
      expect(await value(`sum(checkpointd_sweeper_passes_total{outcome="completed"})`)).toBe(1);
      expect(await value(`sum(checkpointd_sweeper_checkpoints_deleted_total)`)).toBe(deleted);
    },
    { timeoutMs: 15_000 },
  );
  const after = await counts();
  expect(after.checkpoints).toBe(threadIds.length * keep);
  const sum = (name: string) => value(`sum(checkpointd_sweeper_${name})`);
  expect(await sum("writes_deleted_total")).toBe(deleted);
  expect(await sum("writes_deleted_total")).toBe(before.writes - after.writes);
  // Of each thread a@1..a@10 and b@1 (c@1 is shared with the kept ones, and stays).
  expect(await sum("values_deleted_total")).toBe(threadIds.length * 11);
  expect(await sum("values_deleted_total")).toBe(before.values - after.values);
  expect(await sum("chunks_freed_total")).toBeGreaterThan(0);
  expect(await sum("chunks_freed_total")).toBe(before.chunks - after.chunks);
  // Each deleted step's checkpoint_saved and writes_saved; each thread gained one checkpoints_pruned.
  expect(await sum("events_deleted_total")).toBe(threadIds.length * (steps - keep) * 2);
  expect(await sum("events_deleted_total")).toBe(before.events - after.events + threadIds.length);
  expect(await sum("resumes_deleted_total")).toBe(0);
  expect(await sum("threads_pruned_total")).toBe(threadIds.length);
  expect(await sum("threads_deleted_total")).toBe(0);
  expect(await sum("threads_examined_total")).toBe(threadIds.length);
  expect(await byInstance(`checkpointd_sweeper_passes_total{outcome="completed"}`)).toEqual({
    [instanceOf(sweeping)]: 1,
    [instanceOf(idle)]: 0,
  });
  expect(await sum(`passes_total{outcome=~"failed|lease_lost"}`)).toBe(0);
  // The pass lasted at least as long as the lock held it.
  expect(await value(`checkpointd_sweeper_pass_duration_seconds_count{instance="${instanceOf(sweeping)}"}`)).toBe(1);
  expect(await value(`checkpointd_sweeper_pass_duration_seconds_sum{instance="${instanceOf(sweeping)}"}`)).toBeGreaterThanOrEqual(
    blockedSeconds,
  );
  const lastSuccess = await byInstance("checkpointd_sweeper_last_success_timestamp_seconds");
  expect(lastSuccess[instanceOf(idle)]).toBe(0);
  expect(lastSuccess[instanceOf(sweeping)]).toBeGreaterThanOrEqual(releasedAt / 1000 - 1);
  expect(lastSuccess[instanceOf(sweeping)]).toBeLessThanOrEqual(Date.now() / 1000);
  expect(await byInstance("checkpointd_sweeper_lease_held")).toEqual({ [instanceOf(sweeping)]: 0, [instanceOf(idle)]: 0 });
  expect(await byInstance("checkpointd_sweeper_interval_seconds")).toEqual({
    [instanceOf(sweeping)]: intervalSeconds,
    [instanceOf(idle)]: intervalSeconds,
  });

  // deploy/prometheus/alerts.yml's CheckpointdSweeperNotRunning does not fire; with no time allowed it would.
  const alerts = await readFile(new URL("../../../../deploy/prometheus/alerts.yml", import.meta.url), "utf8");
  const notRunning = /alert: CheckpointdSweeperNotRunning\n\s+expr: \|\n((?:\s{10}.*\n)+)/.exec(alerts)![1]!;
  expect(notRunning).toMatch(/> 3 \*/);
  expect(await query(notRunning)).toEqual([]);
  expect((await query(notRunning.replace("> 3 *", "> 0 *"))).map((s) => s.metric.job)).toEqual(["checkpointd"]);

  const exposition = await (await fetch(`http://${instanceOf(sweeping)}/metrics`)).text();
  expect(await promtoolCheckMetrics(exposition)).toEqual({ code: 0, output: "" });
}, 120_000);
