import { describe, expect, it } from "@jest/globals";
import { sampleTuple as tuple } from "@checkpointd/test-support";
import { createMemoryCache } from "./memory-cache.js";

const T = "tenant-a";

describe("the in-process cache", () => {
  it("fills on a miss and then answers the whole tuple, by id and as latest", async () => {
    const cache = createMemoryCache();
    const miss = await cache.read(T, "t", "", undefined);
    expect(miss.tuple).toBeUndefined();
    await cache.fill(T, miss.token, tuple("t", "c1"), true);
    expect((await cache.read(T, "t", "", undefined)).tuple).toEqual(tuple("t", "c1"));
    expect((await cache.read(T, "t", "", "c1")).tuple).toEqual(tuple("t", "c1"));
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, fills: 1 });
  });

  it("refuses a fill whose read raced a write, and drops what a write changed", async () => {
    const cache = createMemoryCache();
    const miss = await cache.read(T, "t", "", undefined);
    await cache.afterPut(T, { threadId: "t", checkpointNs: "", checkpointId: "c2" });
    await cache.fill(T, miss.token, tuple("t", "c1"), true);
    expect(cache.stats().staleFillsRefused).toBe(1);
    expect((await cache.read(T, "t", "", undefined)).tuple).toBeUndefined();

    const again = await cache.read(T, "t", "", "c2");
    await cache.fill(T, again.token, tuple("t", "c2"), true);
    await cache.afterWrites(T, { threadId: "t", checkpointNs: "", checkpointId: "c2" });
    expect((await cache.read(T, "t", "", "c2")).tuple).toBeUndefined();
    expect((await cache.read(T, "t", "", undefined)).tuple).toBeUndefined();
  });

  it("keeps a newer latest when an older Put lands late", async () => {
    const cache = createMemoryCache();
    const read = await cache.read(T, "t", "", undefined);
    await cache.fill(T, read.token, tuple("t", "c5"), true);
    await cache.afterPut(T, { threadId: "t", checkpointNs: "", checkpointId: "c4" });
    expect(cache.stats().casRejections).toBe(1);
    expect((await cache.read(T, "t", "", undefined)).tuple?.key.checkpointId).toBe("c5");
    // A fill never replaces latest with an older id either.
    const token = (await cache.read(T, "t", "", "c3")).token;
    await cache.fill(T, token, tuple("t", "c3"), true);
    expect((await cache.read(T, "t", "", undefined)).tuple?.key.checkpointId).toBe("c5");
  });

  it("retires every entry of a thread at once, and only that thread's", async () => {
    const cache = createMemoryCache();
    for (const thread of ["a", "b"]) {
      const read = await cache.read(T, thread, "", undefined);
      await cache.fill(T, read.token, tuple(thread, "c1"), true);
    }
    await cache.invalidateThread(T, "a");
    expect((await cache.read(T, "a", "", undefined)).tuple).toBeUndefined();
    expect((await cache.read(T, "a", "", "c1")).tuple).toBeUndefined();
    expect((await cache.read(T, "b", "", undefined)).tuple).toBeDefined();
  });

  it("keeps the same thread id of two tenants apart", async () => {
    const cache = createMemoryCache();
    const read = await cache.read(T, "t", "", undefined);
    await cache.fill(T, read.token, tuple("t", "c1"), true);
    expect((await cache.read("tenant-b", "t", "", undefined)).tuple).toBeUndefined();
    expect((await cache.read("tenant-b", "t", "", "c1")).tuple).toBeUndefined();
    // B's fill with its own token lands in B's entries; A's invalidation leaves them.
    const b = await cache.read("tenant-b", "t", "", undefined);
    await cache.fill("tenant-b", b.token, tuple("t", "c9"), true);
    await cache.invalidateThread(T, "t");
    expect((await cache.read("tenant-b", "t", "", undefined)).tuple?.key.checkpointId).toBe("c9");
    expect((await cache.read(T, "t", "", undefined)).tuple).toBeUndefined();
  });

  it("stays within its byte bound", async () => {
    const cache = createMemoryCache({ maxBytes: 1024 * 1024 });
    for (let i = 0; i < 100; i++) {
      const read = await cache.read(T, `t${i}`, "", "c1");
      await cache.fill(T, read.token, tuple(`t${i}`, "c1", 64 * 1024), false);
    }
    let cached = 0;
    for (let i = 0; i < 100; i++) if ((await cache.read(T, `t${i}`, "", "c1")).tuple !== undefined) cached++;
    expect(cached).toBeGreaterThan(5);
    expect(cached).toBeLessThanOrEqual(16);
    // The most recent ones survive.
    expect((await cache.read(T, "t99", "", "c1")).tuple).toBeDefined();
  });
});
