import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { clone, create } from "@bufbuild/protobuf";
import { CheckpointConfigSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { PutRequestSchema, type PutRequest } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { pino } from "pino";
import {
  createDatabase,
  type PostgresInstance,
  type RedisInstance,
  redisKeySlot,
  sampleHistory,
  startPostgres,
  startRedis,
  waitUntil,
} from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import { cacheKeys } from "./cache-keys.js";
import type { CheckpointCache } from "./checkpoint-cache.js";
import { createRedisCache, createRedisCacheWithHooks, type RedisCacheHooks } from "./redis-cache.js";

const logger = pino({ level: process.env.CHECKPOINTD_TEST_LOG_LEVEL ?? "silent" });
/** The tenant of every call of the test servers (authentication off). */
const T = DEFAULT_TENANT;

function putFor(threadId: string, id: string, base: PutRequest, parent = ""): PutRequest {
  const put = clone(PutRequestSchema, base);
  put.config = create(CheckpointConfigSchema, { threadId, checkpointNs: "", checkpointId: parent });
  put.checkpoint!.id = id;
  return put;
}

describe("the Redis L1 over real PostgreSQL and redis-server", () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let url: string;
  const servers: TestServer[] = [];
  const caches: CheckpointCache[] = [];
  const steps = sampleHistory("cached", "");

  async function replica(hooks: RedisCacheHooks = {}) {
    const cache = createRedisCacheWithHooks({ url: redis.url, logger, epochRefreshMs: 200 }, hooks);
    await waitUntil("redis cache ready", async () => expect(cache.stats().state).toBe("ok"));
    // Ready means the epoch is known: the first read must not be a bypass.
    await waitUntil("redis epoch", async () => expect((await cache.read(T, "probe", "", undefined)).token).toBeDefined());
    const server = await startTestServer("postgres", url, { cache });
    servers.push(server);
    caches.push(cache);
    return { server, cache };
  }

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    url = await createDatabase(postgres.url);
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await redis?.stop();
    await postgres?.destroy();
  });

  it("serves a cached latest, and an older id with its own metadata, parent and writes, without Postgres", async () => {
    const { server, cache } = await replica();
    for (const step of steps) {
      await server.client.put(step.put);
      for (const writes of step.writes) await server.client.putWrites(writes);
    }
    // Fill: the latest, and each checkpoint by id.
    expect((await server.client.getTuple({ config: { threadId: "cached" } })).tuple?.checkpoint?.id).toBe(steps[2]!.put.checkpoint!.id);
    for (const step of steps) await server.client.getTuple({ config: { threadId: "cached", checkpointId: step.put.checkpoint!.id } });
    const hitsBefore = cache.stats().hits;

    await postgres.stop();
    try {
      const latest = await server.client.getTuple({ config: { threadId: "cached" } });
      expect(latest.tuple).toEqual(steps[2]!.expected);
      const older = await server.client.getTuple({ config: { threadId: "cached", checkpointId: steps[1]!.put.checkpoint!.id } });
      expect(older.tuple).toEqual(steps[1]!.expected);
      expect(older.tuple?.pendingWrites.map((w) => w.channel)).toEqual(["__interrupt__", "messages", "counter", "__error__"]);
      expect(older.tuple?.parentConfig?.checkpointId).toBe(steps[0]!.put.checkpoint!.id);
      expect(cache.stats().hits).toBe(hitsBefore + 2);
    } finally {
      await postgres.start();
    }
  });

  it("shows new writes after PutWrites on the same replica and on another one", async () => {
    const [a] = servers;
    const { server: b } = await replica();
    const config = { threadId: "cached", checkpointNs: "", checkpointId: steps[2]!.put.checkpoint!.id };
    // Both replicas have the checkpoint cached.
    const before = (await b.client.getTuple({ config })).tuple!.pendingWrites.length;
    expect((await a!.client.getTuple({ config })).tuple!.pendingWrites).toHaveLength(before);

    await a!.client.putWrites({
      config,
      taskId: "late-task",
      writes: [{ channel: "late", value: { type: "json", data: new Uint8Array([7]) } }],
    });
    for (const server of [a!, b]) {
      const { tuple } = await server.client.getTuple({ config });
      expect(tuple!.pendingWrites.map((w) => w.taskId)).toContain("late-task");
      const latest = await server.client.getTuple({ config: { threadId: "cached" } });
      expect(latest.tuple!.pendingWrites.map((w) => w.taskId)).toContain("late-task");
    }
  });

  it("never moves latest backwards when an older Put's cache write arrives late", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { server, cache } = await replica({
      // Hold the cache step of the Put of "c1" until the newer Put has been applied and read.
      beforeWrite: (operation, key) => (operation === "put" && key.checkpointId === "c1" ? held : Promise.resolve()),
    });
    await server.client.put(putFor("ooo", "c0", steps[0]!.put));
    await server.client.getTuple({ config: { threadId: "ooo" } }); // latest = c0 cached
    const olderPut = server.client.put(putFor("ooo", "c1", steps[0]!.put, "c0"));
    await new Promise((resolve) => setTimeout(resolve, 100)); // c1 committed, its cache write held
    await server.client.put(putFor("ooo", "c2", steps[0]!.put, "c1"));
    expect((await server.client.getTuple({ config: { threadId: "ooo" } })).tuple?.checkpoint?.id).toBe("c2"); // fills latest = c2
    const rejections = cache.stats().casRejections;
    release();
    await olderPut;
    expect(cache.stats().casRejections).toBe(rejections + 1);
    const hits = cache.stats().hits;
    expect((await server.client.getTuple({ config: { threadId: "ooo" } })).tuple?.checkpoint?.id).toBe("c2");
    expect(cache.stats().hits).toBe(hits + 1);
  });

  it("refuses a fill that raced a write", async () => {
    const { server, cache } = await replica();
    await server.client.put(putFor("race", "r1", steps[0]!.put));
    const miss = await cache.read(T, "race", "", undefined);
    expect(miss.tuple).toBeUndefined();
    // Between the reader's miss and its fill, a writer commits and invalidates.
    await server.client.put(putFor("race", "r2", steps[0]!.put, "r1"));
    const stale = (await server.client.getTuple({ config: { threadId: "race", checkpointId: "r1" } })).tuple!;
    const refused = cache.stats().staleFillsRefused;
    await cache.fill(T, miss.token, { ...decodeForTest(stale), key: { threadId: "race", checkpointNs: "", checkpointId: "r1" } }, true);
    expect(cache.stats().staleFillsRefused).toBe(refused + 1);
    expect((await server.client.getTuple({ config: { threadId: "race" } })).tuple?.checkpoint?.id).toBe("r2");
  });

  it("serves from Postgres while Redis is down, and nothing cached before the outage once it is back with its data", async () => {
    // Redis with an append-only file: after a restart it holds what it held before, including "o1" as latest.
    const persistent = await startRedis({ persistent: true });
    try {
      const graceMs = 1_500;
      const make = () => createRedisCache({ url: persistent.url, logger, epochRefreshMs: 200, reconnectGraceMs: graceMs });
      const [cacheA, cacheB] = [make(), make()];
      caches.push(cacheA, cacheB);
      for (const c of [cacheA, cacheB])
        await waitUntil("ready", async () => expect((await c.read(T, "probe", "", undefined)).token).toBeDefined());
      const a = await startTestServer("postgres", url, { cache: cacheA });
      const b = await startTestServer("postgres", url, { cache: cacheB });
      servers.push(a, b);
      await a.client.put(putFor("outage", "o1", steps[0]!.put));
      for (const s of [a, b]) expect((await s.client.getTuple({ config: { threadId: "outage" } })).tuple?.checkpoint?.id).toBe("o1");

      await persistent.stop();
      await waitUntil("degraded", async () => expect(cacheA.stats().state).toBe("degraded"));
      // During the outage: writes and reads succeed from Postgres; the cache cannot drop "o1".
      await a.client.put(putFor("outage", "o2", steps[0]!.put, "o1"));
      for (const s of [a, b]) expect((await s.client.getTuple({ config: { threadId: "outage" } })).tuple?.checkpoint?.id).toBe("o2");

      await persistent.start();
      for (const c of [cacheA, cacheB]) await waitUntil("recovered", async () => expect(c.stats().state).toBe("ok"), { timeoutMs: 10_000 });
      const recoveredAt = Date.now();
      // Within the reconnect grace nothing is filled: a replica still reconnecting may have
      // acknowledged Puts it could not invalidate, and its reconnect will retire what is stored now.
      const fills = cacheA.stats().fills;
      for (let i = 0; i < 2; i++) expect((await a.client.getTuple({ config: { threadId: "outage" } })).tuple?.checkpoint?.id).toBe("o2");
      if (Date.now() - recoveredAt < graceMs) expect(cacheA.stats().fills).toBe(fills);
      await new Promise((resolve) => setTimeout(resolve, graceMs + 200)); // the grace is over; both re-read the epoch
      for (const s of [a, b]) expect((await s.client.getTuple({ config: { threadId: "outage" } })).tuple?.checkpoint?.id).toBe("o2");
      expect(cacheA.stats().outages).toBe(1);
      // And the cache works again: the next read is a hit.
      const hits = cacheA.stats().hits;
      await a.client.getTuple({ config: { threadId: "outage" } });
      expect(cacheA.stats().hits).toBe(hits + 1);
    } finally {
      await persistent.stop();
    }
  });

  it("keeps every key of a thread in one Redis Cluster slot", () => {
    for (const thread of ["t", "thread-with-{braces}", "a:b", "%7B", ""]) {
      const keys = cacheKeys("cpd:");
      const slots = new Set(
        [keys.meta(T, thread), keys.entry(T, thread, "ns:1", "id"), keys.latest(T, thread, "")].map((k) => redisKeySlot(k)),
      );
      expect([thread, slots.size]).toEqual([thread, 1]);
    }
    expect(redisKeySlot(cacheKeys("cpd:").meta(T, "a"))).not.toBe(redisKeySlot(cacheKeys("cpd:").meta(T, "b")));
    // The same thread id of two tenants: two threads, two sets of keys.
    expect(cacheKeys("cpd:").meta("x", "a")).not.toBe(cacheKeys("cpd:").meta("y", "a"));
    expect(cacheKeys("cpd:").meta("x:a", "b")).not.toBe(cacheKeys("cpd:").meta("x", "a:b"));
  });
});

/** The domain tuple behind a proto tuple, as the cache stores it. */
import { tupleFromProto } from "../mapping/proto-mapping.js";
function decodeForTest(tuple: Parameters<typeof tupleFromProto>[0]) {
  return tupleFromProto(tuple);
}
