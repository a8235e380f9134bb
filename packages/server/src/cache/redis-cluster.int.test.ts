import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { type RedisClusterInstance, redisKeySlot, sampleHistory, startRedisCluster, waitUntil } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";
import type { CheckpointCache } from "./checkpoint-cache.js";
import { DEFAULT_TENANT as T } from "../domain/call-identity.js";
import { cacheKeys } from "./cache-keys.js";
import { createRedisCache } from "./redis-cache.js";

describe("the Redis L1 on a real three-node Redis Cluster", () => {
  let cluster: RedisClusterInstance;
  let server: TestServer;
  let cache: CheckpointCache;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    cache = createRedisCache({ url: cluster.url, cluster: true, logger: pino({ level: "silent" }) });
    await waitUntil("cluster cache ready", async () => expect((await cache.read(T, "probe", "", undefined)).token).toBeDefined(), {
      timeoutMs: 20_000,
    });
    server = await startTestServer("pglite", undefined, { cache });
  });
  afterAll(async () => {
    await server?.close();
    await cluster?.destroy();
  });

  it("runs every script in one slot per thread, for threads spread over all nodes", async () => {
    // Threads whose keys land on different slots (and so, with three masters, on different nodes).
    const threads = Array.from({ length: 12 }, (_, i) => `cluster-thread-${i}`);
    const slots = new Set(threads.map((t) => redisKeySlot(cacheKeys("cpd:").meta(T, t))));
    expect(slots.size).toBeGreaterThan(6);

    for (const thread of threads) {
      const steps = sampleHistory(thread, "");
      for (const step of steps) {
        await server.client.put(step.put);
        for (const writes of step.writes) await server.client.putWrites(writes);
      }
      for (let pass = 0; pass < 2; pass++) {
        expect((await server.client.getTuple({ config: { threadId: thread } })).tuple).toEqual(steps[2]!.expected);
        const older = await server.client.getTuple({ config: { threadId: thread, checkpointId: steps[0]!.put.checkpoint!.id } });
        expect(older.tuple).toEqual(steps[0]!.expected);
      }
    }
    await server.client.deleteThread({ threadId: threads[0]! });
    expect((await server.client.getTuple({ config: { threadId: threads[0]! } })).tuple).toBeUndefined();
    const stats = cache.stats();
    expect(stats).toMatchObject({ state: "ok", errors: 0 });
    expect(stats.hits).toBeGreaterThanOrEqual(threads.length * 2);
    expect(stats.fills).toBeGreaterThanOrEqual(threads.length * 2);
  });
});
